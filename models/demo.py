"""Frames straight from the demo-data generator (no files, no warehouse), for evaluations and tests.

`demo_world` runs the same code path as `python -m pipeline demo-data` (market, population, orders,
planted drops) in memory and returns the order lines with their true dimensions, the campaigns' daily
spend and conversions, and the scenario that `truth/scenario.json` records. Shapes match what the
warehouse loaders in `models.evaluate` hand to the models.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoWorld:
    """Sales lines, campaigns, daily campaign figures and the generator's scenario (its ground truth)."""

    lines: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_daily: pd.DataFrame
    scenario: dict[str, Any]
    #: Everyone in the population (buyers and prospects): customer_id, segment and the presence flags the
    #: warehouse's lead features read (`models.features.FIRMOGRAPHIC`; values only sources know are NaN).
    people: pd.DataFrame = field(default_factory=pd.DataFrame)


def demo_world(
    customers: int = 2000,
    seed: int = 3,
    end: str = "2026-11-27",
    drops: tuple[str, ...] = ("North West:2026-11-16:0.30",),
) -> DemoWorld:
    """Generate the demo world in memory (`drops` as `REGION:YYYY-MM-DD:FRACTION`, like `--plant-drop`).

    `lines` has one row per order line: `order_id, customer_id, date, product, category, quantity,
    amount, region, rep, segment, channel, campaign` (the acquiring campaign's id, or "none").
    """
    from pipeline.demo_data.generate import CHUNK
    from pipeline.demo_data.market import CHANNELS, DAYS, Drop, build_market
    from pipeline.demo_data.orders import make_orders
    from pipeline.demo_data.reference import PRODUCTS, REGIONS
    from pipeline.demo_data.world import SEGMENT_NAMES, make_population

    market = build_market(seed, customers, dt.date.fromisoformat(end), [Drop.parse(d) for d in drops])
    conversions = np.zeros((len(market.campaigns), DAYS), dtype=np.int64)
    frames: list[pd.DataFrame] = []
    people: list[pd.DataFrame] = []
    n_orders = 0
    for chunk, first in enumerate(range(0, customers, CHUNK)):
        n = min(CHUNK, customers - first)
        rng = np.random.default_rng([seed, chunk])
        pop = make_population(rng, first, n, market)
        orders = make_orders(rng, pop, market)
        people.append(_people(pop, SEGMENT_NAMES))
        acq = (pop.campaign >= 0) & (pop.acquired_day >= 0)
        np.add.at(conversions, (pop.campaign[acq], pop.acquired_day[acq]), 1)
        doc = np.repeat(np.arange(len(orders)), np.diff(orders.first_line))
        cust = orders.cust[doc]
        camp = pop.campaign[cust]
        keys = np.array(["none"] + [c.key for c in market.campaigns])
        frames.append(
            pd.DataFrame(
                {
                    "order_id": doc + n_orders,
                    "customer_id": [pop.true_id(int(i)) for i in cust],
                    "date": pd.to_datetime(market.start) + pd.to_timedelta(orders.day[doc], unit="D"),
                    "product": [PRODUCTS[int(p)].name for p in orders.product],
                    "category": [PRODUCTS[int(p)].category for p in orders.product],
                    "quantity": orders.qty.astype(float),
                    "amount": np.round(orders.qty * orders.price, 2),
                    "region": np.array(REGIONS)[pop.region[cust]],
                    "rep": np.array(pop.rep)[cust],
                    "segment": np.array(SEGMENT_NAMES)[pop.segment[cust]],
                    "channel": np.array(orders.channel)[doc],
                    "campaign": keys[camp + 1],
                }
            )
        )
        n_orders += len(orders)
    lines = pd.concat(frames, ignore_index=True)
    campaigns = pd.DataFrame(
        {
            "campaign_id": [c.key for c in market.campaigns],
            "name": [c.name for c in market.campaigns],
            "channel": [c.channel for c in market.campaigns],
            "budget": [c.budget for c in market.campaigns],
        }
    )
    rng = np.random.default_rng([seed, 7003])
    rows: list[dict[str, Any]] = []
    for k, c in enumerate(market.campaigns):
        _, _, _, cpm, ctr = CHANNELS[c.channel]
        for d in range(c.start, c.end + 1):
            spend = float(market.spend[k, d])
            impressions = int(spend / cpm * 1000 * rng.uniform(0.8, 1.2))
            rows.append(
                {
                    "campaign_id": c.key,
                    "channel": c.channel,
                    "date": pd.Timestamp(market.day(d)),
                    "spend": spend,
                    "impressions": impressions,
                    "clicks": int(rng.binomial(impressions, ctr)),
                    "conversions": int(conversions[k, d]),
                }
            )
    logger.info("demo world: %d customers, %d lines, %d campaign days", customers, len(lines), len(rows))
    return DemoWorld(
        lines, campaigns, pd.DataFrame(rows), market.scenario(), pd.concat(people, ignore_index=True)
    )


def _people(pop: Any, segment_names: Any) -> pd.DataFrame:
    """One row per member of a population chunk with the lead features' presence flags."""
    n = len(pop)
    return pd.DataFrame(
        {
            "customer_id": [pop.true_id(i) for i in range(n)],
            "segment": np.array(segment_names)[pop.segment],
            "has_lead": pop.in_leads.astype(float),
            "lead_value": np.nan,
            "has_listing": pop.in_directory.astype(float),
            "rating": np.nan,
            "has_profile": pop.in_instagram.astype(float),
            "followers": np.nan,
            "has_website": np.array([w is not None for w in pop.website], dtype=float),
            "has_email": 1.0,
            "has_phone": 1.0,
        }
    )
