"""A model's training set-up on the current warehouse data (`Problem`) and what every set-up shares: the label
horizons, the fewest labels worth training on, the fixed customer holdout."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from models import registry
from pipeline.scoring.selection import Selection

logger = logging.getLogger(__name__)

CHURN_DAYS = 90  # churned = no purchase in this many days after the cut-off
LEAD_DAYS = 180  # converted = first purchase within this many days after the cut-off
LEAD_STEP_DAYS = 90  # lead origins are 90 days apart, so four 180-day labels fit in two years
UPSELL_DAYS = 90  # upsold = bought a category new to the customer within this many days after the cut-off
MIN_POSITIVES = 10  # fewer positive (or negative) labels than this: the classifier is not trained


@dataclass(frozen=True)
class Problem:
    """One model's training set-up on the current data: how to fit, and how to measure on the holdout.

    With `select`, the algorithm is chosen when training is due: `select()` compares the candidates and
    `fits[chosen]` fits the winner on the training rows.
    """

    algorithm: str
    rows: int
    features: list[str]
    train_start: dt.date | None
    holdout: str
    fit: Callable[[], Any]
    rescore: Callable[[Any], Mapping[str, float]]
    select: Callable[[], Selection] | None = None
    fits: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    #: For a fit that makes its own choice (the forecast's backtest): that choice, read from the fitted model.
    explain: Callable[[Any], Selection | None] | None = None

    def chosen(self) -> tuple[Problem, Selection | None]:
        """This problem set to its chosen candidate, and how it was chosen (None: nothing to choose)."""
        if self.select is None:
            return self, None
        selection = self.select()
        return replace(self, algorithm=selection.chosen, fit=self.fits[selection.chosen]), selection


def split_holdout(index: pd.Index) -> tuple[pd.Series, str]:
    """Which customers of `index` are held out (the fixed key hash), and the holdout in words."""
    hold = registry.in_holdout(index)
    return hold, f"{int(hold.sum())} of {len(index)} customers (fixed key hash, {registry.HOLDOUT_SHARE}%)"


def once(fit: Callable[[], Any]) -> Callable[[], Any]:
    """`fit`, run at most once: the holdout comparison and the final fit share the fitted model."""
    done: list[Any] = []

    def run() -> Any:
        if not done:
            done.append(fit())
        return done[0]

    return run
