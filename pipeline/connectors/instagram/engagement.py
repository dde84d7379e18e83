"""Engagement rates and comment sentiment: pure figures added to the payloads the readers yield.

Engagement rate of a post = (likes + comments) / followers; of a profile = the mean over its recent
posts. Sentiment uses ``models.sentiment``'s default scorer when it imports (VADER), else none.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def post_rate(likes: Any, comments: Any, followers: Any) -> float | None:
    """(likes + comments) / followers, rounded to 6 places; ``None`` when a figure is missing or zero followers."""
    counts = [_number(likes), _number(comments)]
    base = _number(followers)
    if base is None or base == 0 or all(c is None for c in counts):
        return None
    return round(sum(c or 0.0 for c in counts) / base, 6)


def profile_rate(posts: Sequence[Mapping[str, Any]], followers: Any) -> float | None:
    """The mean post engagement rate over ``posts`` (``None`` without posts or followers)."""
    rates = [post_rate(p.get("likes"), p.get("comments"), followers) for p in posts]
    known = [r for r in rates if r is not None]
    return round(sum(known) / len(known), 6) if known else None


@cache
def default_scorer() -> Callable[[str], float] | None:
    """``models.sentiment.get_scorer()`` (the more accurate scorer), or ``None`` if it cannot load."""
    try:
        from models.sentiment import get_scorer

        return get_scorer()
    except Exception as e:  # an optional model: a missing package must not stop the sync
        logger.warning("comment sentiment disabled: models.sentiment unavailable (%s)", e)
        return None


def sentiment(text: Any) -> float | None:
    """Polarity in [-1, 1] of a comment's text, rounded to 4 places; ``None`` without text or scorer."""
    scorer = default_scorer()
    if scorer is None or not isinstance(text, str) or not text.strip():
        return None
    return round(scorer(text), 4)
