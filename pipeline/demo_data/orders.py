"""Orders, lines and payments for one chunk of customers, drawn with numpy (no per-order Python loop).

Each buyer orders as a Poisson process whose rate is their own (long-tailed, log-normal) times the
market's daily intensity, only while active (from acquisition until churn). Planted drops thin a
region's orders in the drop week by exactly the planted fraction in expectation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from pipeline.demo_data.market import DAYS, Market
from pipeline.demo_data.prices import AD_HOC, AD_HOC_ODDS, price_factor, promotion_calendar, quantity_response
from pipeline.demo_data.reference import CATEGORIES, PRODUCTS, REGIONS, SEGMENTS
from pipeline.demo_data.world import Population

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DIRECT_CHANNELS: Final = ("phone", "web", "email", "rep_visit")
PAYMENT_TERMS_DAYS: Final = 30
_CAT_WEIGHTS: Final = np.array([s[1] for s in SEGMENTS.values()], dtype=np.float64)
_BY_CATEGORY: Final = [np.array([p.index for p in PRODUCTS if p.category == c]) for c in CATEGORIES]
_PRICES: Final = np.array([p.unit_price for p in PRODUCTS])
_CATEGORY_OF: Final = np.array([CATEGORIES.index(p.category) for p in PRODUCTS], dtype=np.int64)
_CALENDAR: Final = promotion_calendar(DAYS)


@dataclass
class Orders:
    """Documents (one per order) and their lines, sorted by customer then date."""

    cust: IntArray  # local customer index
    day: IntArray
    receipt: npt.NDArray[np.bool_]  # SalesReceipt (paid at the counter) rather than Invoice
    channel: list[str]
    first_line: IntArray  # index into the line arrays; lines of doc d are first_line[d]:first_line[d+1]
    product: IntArray
    qty: IntArray
    price: FloatArray
    paid_day: IntArray  # day the invoice was paid, -1 = still open at the end

    def __len__(self) -> int:
        return len(self.day)


def make_orders(rng: np.random.Generator, pop: Population, market: Market) -> Orders:
    """Draw every order, line and payment for the chunk's buyers."""
    n = len(pop)
    cum = np.concatenate(([0.0], np.cumsum(market.intensity)))
    start = np.maximum(pop.acquired_day, 0)
    stop = np.where(pop.buyer, pop.churn_day, 0)
    stop = np.maximum(stop, start)
    weight = cum[stop] - cum[start]
    count = rng.poisson(pop.rate * weight)
    count[~pop.buyer] = 0
    cust = np.repeat(np.arange(n), count)
    u = cum[start[cust]] + rng.random(len(cust)) * (cum[stop[cust]] - cum[start[cust]])
    day = (np.searchsorted(cum, u, side="right") - 1).clip(start[cust], np.maximum(stop[cust] - 1, 0))
    first = np.flatnonzero(pop.buyer & (pop.acquired_day >= 0) & (pop.acquired_day < pop.churn_day))
    cust = np.concatenate((first, cust))
    day = np.concatenate((pop.acquired_day[first], day))
    is_first = np.zeros(len(cust), dtype=np.bool_)
    is_first[: len(first)] = True

    keep = np.ones(len(cust), dtype=np.bool_)
    for drop in market.drops:
        r = REGIONS.index(drop.region)
        s = (drop.start - market.start).days
        hit = (pop.region[cust] == r) & (day >= s) & (day < s + 7)
        keep &= ~(hit & (rng.random(len(cust)) < drop.fraction))
    cust, day, is_first = cust[keep], day[keep], is_first[keep]
    order = np.lexsort((~is_first, day, cust))
    cust, day, is_first = cust[order], day[order], is_first[order]
    docs = len(cust)

    small = pop.size[cust] < 0.7
    receipt = rng.random(docs) < np.where(small, 0.4, 0.12)
    pick = rng.integers(0, len(DIRECT_CHANNELS), docs)
    channels = [
        "trade_counter" if rc and pk < 2 else DIRECT_CHANNELS[pk]
        for rc, pk in zip(receipt.tolist(), pick.tolist(), strict=True)
    ]
    camp = pop.campaign[cust]
    for d in np.flatnonzero(is_first & (camp >= 0)).tolist():
        channels[d] = market.campaigns[int(camp[d])].channel

    n_lines = rng.geometric(0.42, docs).clip(1, 10)
    first_line = np.concatenate(([0], np.cumsum(n_lines))).astype(np.int64)
    lines = int(first_line[-1])
    line_doc = np.repeat(np.arange(docs), n_lines)
    seg = pop.segment[cust[line_doc]]
    product = np.empty(lines, dtype=np.int64)
    u_cat = rng.random(lines)
    u_item = rng.random(lines) ** 1.6  # skew towards each category's best sellers
    for s in range(len(SEGMENTS)):
        mask = seg == s
        cdf = np.cumsum(_CAT_WEIGHTS[s]) / _CAT_WEIGHTS[s].sum()
        cat = np.searchsorted(cdf, u_cat[mask]).clip(0, len(CATEGORIES) - 1)
        sizes = np.array([len(_BY_CATEGORY[c]) for c in range(len(CATEGORIES))])
        item = (u_item[mask] * sizes[cat]).astype(np.int64)
        product[mask] = np.array(
            [_BY_CATEGORY[c][i] for c, i in zip(cat.tolist(), item.tolist(), strict=True)]
        )
    factor = price_factor(day[line_doc], _CATEGORY_OF[product], seg, _CALENDAR)
    base = pop.size[cust[line_doc]] * rng.lognormal(0.6, 0.7, lines)
    qty = np.maximum(1, np.rint(base * quantity_response(factor, seg))).astype(np.int64)
    discount = rng.choice(AD_HOC, lines, p=AD_HOC_ODDS)
    price = np.round(_PRICES[product] * factor * (1.0 - discount), 2)

    delay = PAYMENT_TERMS_DAYS - 14 + rng.gamma(3.0, 6.0, docs).astype(np.int64)
    paid = day + delay
    never = rng.random(docs) < 0.015
    paid_day = np.where(receipt, day, np.where(never | (paid >= DAYS), -1, paid)).astype(np.int64)
    return Orders(cust, day, receipt, channels, first_line, product, qty, price, paid_day)
