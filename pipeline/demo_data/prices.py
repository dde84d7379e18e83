"""Prices the demo's customers pay, varied so that price elasticity can be estimated where it exists.

Each category has a monthly promotion calendar (list price, or 5/10/15 % off), and each segment its own
negotiated discount; on top, individual lines carry the occasional ad-hoc discount. Quantities respond to
the price relative to list with a per-segment elasticity: retail, hospitality and cleaning buyers are
price-sensitive, offices, schools and healthcare hardly at all, so price guidance finds an elasticity for
some segment × category groups and not for others. The calendar comes from its own fixed generator, so
every seed sees the same promotions and the main random stream is drawn exactly as before.
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import numpy.typing as npt

from pipeline.demo_data.reference import CATEGORIES, SEGMENTS

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CALENDAR_SEED: Final = 20_261_205
PROMOTIONS: Final = np.array([1.0, 0.95, 0.90, 0.85])
PROMOTION_ODDS: Final = np.array([0.55, 0.2, 0.15, 0.1])
#: Negotiated discount per segment (share off list).
SEGMENT_DISCOUNT: Final[dict[str, float]] = {
    "office": 0.0,
    "hospitality": 0.04,
    "cleaning": 0.06,
    "healthcare": 0.02,
    "education": 0.05,
    "retail": 0.03,
    "manufacturing": 0.08,
    "construction": 0.07,
}
#: True elasticity of quantity to price relative to list, per segment (the demo's ground truth).
ELASTICITY: Final[dict[str, float]] = {
    "office": -0.2,
    "hospitality": -2.0,
    "cleaning": -1.6,
    "healthcare": 0.0,
    "education": -0.3,
    "retail": -2.5,
    "manufacturing": -1.2,
    "construction": -0.8,
}
AD_HOC: Final = np.array([0.0, 0.05, 0.10])
AD_HOC_ODDS: Final = np.array([0.85, 0.1, 0.05])


def promotion_calendar(days: int) -> FloatArray:
    """Price factor (share of list) per category × 30-day month, the same for every seed."""
    rng = np.random.default_rng(CALENDAR_SEED)
    months = days // 30 + 1
    calendar: FloatArray = rng.choice(PROMOTIONS, size=(len(CATEGORIES), months), p=PROMOTION_ODDS)
    return calendar


def price_factor(day: IntArray, category: IntArray, segment: IntArray, calendar: FloatArray) -> FloatArray:
    """Share of list price a line is offered at: the category's promotion that month, less the segment's discount."""
    discount = np.array([SEGMENT_DISCOUNT[s] for s in SEGMENTS])
    factor: FloatArray = calendar[category, day // 30] * (1.0 - discount[segment])
    return factor


def quantity_response(factor: FloatArray, segment: IntArray) -> FloatArray:
    """Multiplier of the quantity bought at `factor` × list price (factor ** the segment's elasticity)."""
    elasticity = np.array([ELASTICITY[s] for s in SEGMENTS])
    response: FloatArray = np.power(factor, elasticity[segment])
    return response
