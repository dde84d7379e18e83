"""Marketing campaigns: ``campaigns.csv`` and ``daily.csv`` as exported from the ad platforms' reports.

Conversions are the new customers the generator actually attributed to each campaign and day, so
daily.csv agrees with the first orders in QuickBooks (channel = the campaign's channel).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from pipeline.demo_data.market import CHANNELS, Market
from pipeline.demo_data.writers import CsvWriter, Truth

logger = logging.getLogger(__name__)

SOURCE: Final = "campaigns"
CAMPAIGN_COLUMNS: Final = ["campaign_id", "name", "channel", "start_date", "end_date", "budget"]
DAILY_COLUMNS: Final = ["campaign_id", "date", "spend", "impressions", "clicks", "conversions"]


def write_campaigns(
    root: Path, market: Market, conversions: npt.NDArray[np.int64], seed: int, truth: Truth
) -> tuple[CsvWriter, CsvWriter]:
    """Write both files (left open so malformed rows can be planted); returns the two writers."""
    rng = np.random.default_rng([seed, 7002])
    camp = CsvWriter(root / "campaigns.csv", CAMPAIGN_COLUMNS)
    for c in market.campaigns:
        camp.add(
            [
                c.key,
                c.name,
                c.channel,
                market.day(c.start).isoformat(),
                market.day(c.end).isoformat(),
                f"{c.budget:.2f}",
            ]
        )
        truth.record(SOURCE, "Campaign", c.key, "")
    daily = CsvWriter(root / "daily.csv", DAILY_COLUMNS)
    for k, c in enumerate(market.campaigns):
        _, _, _, cpm, ctr = CHANNELS[c.channel]
        for d in range(c.start, c.end + 1):
            spend = float(market.spend[k, d])
            impressions = int(spend / cpm * 1000 * rng.uniform(0.8, 1.2))
            clicks = int(rng.binomial(impressions, ctr))
            day = market.day(d).isoformat()
            daily.add([c.key, day, f"{spend:.2f}", impressions, clicks, int(conversions[k, d])])
            truth.record(SOURCE, "CampaignDaily", f"{c.key}:{day}", "")
    return camp, daily
