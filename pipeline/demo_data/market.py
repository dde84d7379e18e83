"""The demo market over time: daily demand shape, planted drops, campaigns and their response curves.

Everything here is computed once per data set (it does not grow with the number of customers) and
is what ``truth/scenario.json`` records, so tests and model evaluations can check against it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pipeline.demo_data.reference import REGIONS

logger = logging.getLogger(__name__)

DAYS: Final = 730
BASE_CUSTOMERS: Final = 5000  # spend and response are scaled by customers / BASE_CUSTOMERS
WEEKDAY_FACTORS: Final = (1.18, 1.22, 1.20, 1.12, 0.95, 0.22, 0.08)  # Monday .. Sunday
TREND_PER_YEAR: Final = 0.12
YEARLY_AMPLITUDE: Final = 0.12
YEARLY_PEAK_DAY: Final = 290  # day of year of the autumn peak (restocking, back to school, Q4)

# channel -> (alpha: new customers/day at saturation, half-saturation spend £/day, shape, CPM £, CTR)
CHANNELS: Final[dict[str, tuple[float, float, float, float, float]]] = {
    "google_ads": (1.2, 150.0, 1.2, 6.0, 0.035),
    "meta": (0.5, 160.0, 1.0, 4.0, 0.012),
    "instagram": (0.6, 100.0, 1.1, 5.0, 0.009),
    "email": (0.5, 30.0, 0.8, 0.5, 0.04),
    "trade_show": (3.0, 2500.0, 1.5, 40.0, 0.10),
}
# channel -> (campaigns over two years, days each (low, high), daily spend at base size (low, high))
_PLAN: Final[dict[str, tuple[int, tuple[int, int], tuple[float, float]]]] = {
    "google_ads": (8, (60, 90), (80.0, 260.0)),
    "meta": (6, (21, 45), (60.0, 180.0)),
    "instagram": (6, (14, 30), (40.0, 150.0)),
    "email": (10, (3, 7), (10.0, 40.0)),
    "trade_show": (4, (2, 3), (1500.0, 4000.0)),
}
ORGANIC_SHARE: Final = 0.30  # share of buyers first acquired inside the window without a campaign


@dataclass(frozen=True)
class Drop:
    """A planted sales drop: the region's orders in [start, start+7 days) are cut by ``fraction``."""

    region: str
    start: dt.date
    fraction: float

    @classmethod
    def parse(cls, text: str) -> Drop:
        """Parse ``REGION:YYYY-MM-DD:FRACTION`` (the region may contain spaces)."""
        region, day, fraction = text.rsplit(":", 2)
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}; expected one of {', '.join(REGIONS)}")
        value = float(fraction)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"drop fraction must be within 0..1, got {value}")
        return cls(region, dt.date.fromisoformat(day), value)


@dataclass(frozen=True)
class Campaign:
    """One marketing campaign and its daily spend."""

    key: str
    name: str
    channel: str
    start: int  # day index
    end: int  # day index, inclusive
    budget: float
    effectiveness: float  # 0 = does not pay off


@dataclass
class Market:
    """Day-indexed demand, campaign spend and response for one data set."""

    start: dt.date
    customers: int
    intensity: npt.NDArray[np.float64]  # relative order intensity per day, mean 1
    campaigns: list[Campaign]
    spend: npt.NDArray[np.float64]  # [campaign, day] £
    response: npt.NDArray[np.float64]  # [campaign, day] expected new customers
    organic: npt.NDArray[np.float64]  # [day] expected organic new customers
    drops: list[Drop] = field(default_factory=list)

    @property
    def acquisition(self) -> npt.NDArray[np.float64]:
        """Expected new customers per day, organic plus every campaign's response."""
        result: npt.NDArray[np.float64] = self.organic + self.response.sum(axis=0)
        return result

    def day(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=int(index))

    def scenario(self) -> dict[str, Any]:
        """What ``truth/scenario.json`` records about the market."""
        scale = self.customers / BASE_CUSTOMERS
        return {
            "start": self.start.isoformat(),
            "end": self.day(DAYS - 1).isoformat(),
            "seasonality": {
                "weekday_factors_mon_to_sun": list(WEEKDAY_FACTORS),
                "trend_per_year": TREND_PER_YEAR,
                "yearly_amplitude": YEARLY_AMPLITUDE,
                "yearly_peak_day_of_year": YEARLY_PEAK_DAY,
                "christmas_shutdown": "24 Dec - 1 Jan at 15%",
            },
            "plant_drops": [
                {
                    "region": d.region,
                    "start": d.start.isoformat(),
                    "end": (d.start + dt.timedelta(days=6)).isoformat(),
                    "fraction": d.fraction,
                }
                for d in self.drops
            ],
            "response_curves": {
                ch: {
                    "form": "hill",
                    "formula": "new_customers_per_day = effectiveness * alpha * s**shape / (s**shape + half**shape)",
                    "alpha": round(a * scale, 6),
                    "half_saturation_spend": round(h * scale, 2),
                    "shape": k,
                    "cpm": cpm,
                    "ctr": ctr,
                }
                for ch, (a, h, k, cpm, ctr) in CHANNELS.items()
            },
            "campaigns": [
                {
                    "id": c.key,
                    "channel": c.channel,
                    "effectiveness": c.effectiveness,
                    "pays_off": c.effectiveness > 0,
                    "expected_new_customers": round(float(self.response[i].sum()), 2),
                }
                for i, c in enumerate(self.campaigns)
            ],
            "expected_organic_new_customers": round(float(self.organic.sum()), 2),
        }


def hill(spend: npt.NDArray[np.float64], alpha: float, half: float, shape: float) -> npt.NDArray[np.float64]:
    """Diminishing-returns response: ``alpha * s^k / (s^k + h^k)``."""
    s = np.power(np.maximum(spend, 0.0), shape)
    result: npt.NDArray[np.float64] = alpha * s / (s + half**shape)
    return result


def _intensity(start: dt.date) -> npt.NDArray[np.float64]:
    days = np.arange(DAYS)
    dates = [start + dt.timedelta(days=int(i)) for i in days]
    weekday = np.array([WEEKDAY_FACTORS[d.weekday()] for d in dates])
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=np.float64)
    yearly = 1.0 + YEARLY_AMPLITUDE * np.cos(2 * np.pi * (doy - YEARLY_PEAK_DAY) / 365.25)
    august = np.array([0.85 if d.month == 8 else 1.0 for d in dates])
    xmas = np.array(
        [0.15 if (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1) else 1.0 for d in dates]
    )
    trend = 1.0 + TREND_PER_YEAR * (days / 365.25)
    shape: npt.NDArray[np.float64] = weekday * yearly * august * xmas * trend
    result: npt.NDArray[np.float64] = shape / shape.mean()
    return result


def build_market(seed: int, customers: int, end: dt.date, drops: list[Drop]) -> Market:
    """Lay out two years of demand and a campaign calendar ending on ``end``."""
    rng = np.random.default_rng([seed, 7001])
    start = end - dt.timedelta(days=DAYS - 1)
    intensity = _intensity(start)
    scale = customers / BASE_CUSTOMERS
    campaigns: list[Campaign] = []
    rows: list[npt.NDArray[np.float64]] = []
    responses: list[npt.NDArray[np.float64]] = []
    for channel, (count, (lo, hi), (s_lo, s_hi)) in _PLAN.items():
        alpha, half, shape, _, _ = CHANNELS[channel]
        for n in range(count):
            length = int(rng.integers(lo, hi + 1))
            begin = int(rng.integers(0, DAYS - length))
            daily = float(rng.uniform(s_lo, s_hi)) * scale
            pays = rng.random() < (0.35 if channel == "meta" else 0.75)
            eff = round(float(rng.uniform(0.7, 1.3)), 3) if pays else 0.0
            spend = np.zeros(DAYS)
            noise = rng.normal(1.0, 0.12, length).clip(0.6, 1.4)
            spend[begin : begin + length] = np.round(daily * noise, 2)
            key = f"CMP-{len(campaigns) + 1:03d}"
            season = ("Spring", "Summer", "Autumn", "Winter")[
                ((start + dt.timedelta(days=begin)).month % 12) // 3
            ]
            name = f"{season} {channel.replace('_', ' ').title()} {n + 1}"
            campaigns.append(
                Campaign(key, name, channel, begin, begin + length - 1, round(float(spend.sum()), 2), eff)
            )
            rows.append(spend)
            responses.append(eff * hill(spend, alpha * scale, half * scale, shape))
    spend_matrix = np.vstack(rows)
    response = np.vstack(responses)
    organic_total = customers * 0.75 * ORGANIC_SHARE  # ~75% of the world are buyers
    organic = intensity / intensity.sum() * organic_total
    return Market(start, customers, intensity, campaigns, spend_matrix, response, organic, drops)
