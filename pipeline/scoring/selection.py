"""Choose a model family's algorithm by its mean metric over rolling origins inside the training data.

Every family lists its candidates with the plain baseline among them. Each candidate is measured at
`ORIGINS` cut-offs one horizon apart that end one horizon before the data end (so four 90-day windows tile
the last year and a seasonal peak falls in one window, not in all), on the training customers only
(`models.rolling` trains each origin on the past only). The best mean wins; the baseline is kept unless
another candidate is strictly better at `DECIMALS` decimals. When the history is too short for `ORIGINS`
origins, or an origin holds too few of either label, the candidates are compared on the single holdout
instead, and the selection says so; a family left with one candidate on small data compares nothing (`ONLY`).

The comparison looks at no more than `SAMPLE_CUSTOMERS` training customers at an origin, always the same ones
(`compared`), so choosing costs the same at a million customers as at a few tens of thousands; the chosen
candidate is then fitted on every training customer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models import registry
from models.rolling import Examples, origins_before, rolling_evaluation

logger = logging.getLogger(__name__)

ORIGINS = 4
#: The earliest training cut-off must leave at least this much sales history before it.
MIN_HISTORY_DAYS = 90
#: Means are compared rounded to this many decimals, so floating-point noise never unseats the baseline.
DECIMALS = 4
#: Fewest examples of either label a cut-off needs for a fit and an AUC.
MIN_CLASS = 3
ROLLING, HOLDOUT, ONLY = "rolling origins", "single holdout", "only candidate"
#: The most training customers the rolling comparison looks at, at any one origin.
SAMPLE_CUSTOMERS = 20_000
_SAMPLE_HASH = np.uint64(2246822507)  # not the holdout's multiplier: the sample is not a slice of its buckets


def compared(customers: pd.Index, limit: int | None = None) -> np.ndarray:
    """Which rows the rolling comparison looks at, given each row's customer key: those of customers outside
    the fixed holdout, and of no more than `limit` of them (the smallest values of a fixed hash of the key, so
    the same customers at every origin and in every run)."""
    limit = SAMPLE_CUSTOMERS if limit is None else limit
    keys = customers.to_numpy(dtype="int64")
    keep = ~registry.in_holdout(pd.Index(keys)).to_numpy()
    eligible = np.unique(keys[keep])
    if len(eligible) > limit:
        ranks = eligible.astype(np.uint64) * _SAMPLE_HASH % np.uint64(2**32)
        keep &= np.isin(keys, eligible[np.argsort(ranks, kind="stable")[:limit]])
    return keep


def sampled_note(training_customers: int, limit: int | None = None) -> str:
    """What a selection says when its origins looked at a sample of the training customers (else nothing)."""
    limit = SAMPLE_CUSTOMERS if limit is None else limit
    if training_customers <= limit:
        return ""
    return f"on a fixed sample of {limit:,} of the {training_customers:,} training customers at each origin"


@dataclass(frozen=True)
class Option:
    """One candidate algorithm: `factory()` gives an unfitted classifier with fit(x, y) and predict_proba(x)."""

    algorithm: str
    factory: Callable[[], Any]
    baseline: bool = False


@dataclass(frozen=True)
class Figures:
    """One candidate's figure at every origin: {"cutoff": ISO date, "value": metric, "rows": rows scored}."""

    algorithm: str
    baseline: bool
    origins: list[dict[str, Any]]

    @property
    def mean(self) -> float:
        return float(np.mean([o["value"] for o in self.origins]))


@dataclass(frozen=True)
class Selection:
    """Which candidate was chosen, how (rolling origins or the single holdout, and why), with every figure."""

    chosen: str
    method: str
    metric: str
    figures: list[Figures]
    note: str = ""
    rule: str = field(default="")

    def as_json(self) -> dict[str, Any]:
        """What the registry stores with the version."""
        return {
            "chosen": self.chosen,
            "method": self.method,
            "metric": self.metric,
            "note": self.note,
            "rule": self.rule,
            "candidates": [
                {
                    "algorithm": f.algorithm,
                    "baseline": f.baseline,
                    "mean": round(f.mean, 6),
                    "origins": [o | {"value": round(float(o["value"]), 6)} for o in f.origins],
                }
                for f in self.figures
            ],
        }

    def summary(self) -> str:
        """A few words for the step record, e.g. "by mean auc over 4 rolling origins"."""
        origins = len(self.figures[0].origins) if self.figures else 0
        if self.method == ROLLING:
            said = f"by mean {self.metric} over {origins} rolling origins"
            return f"{said} ({self.note})" if self.note else said
        if self.method == ONLY:
            return f"the only candidate: {self.note}" if self.note else "the only candidate"
        return f"on the {HOLDOUT}: {self.note}" if self.note else f"on the {HOLDOUT}"


def choose(figures: Sequence[Figures], higher_is_better: bool, every_origin: bool = False) -> str:
    """The candidate with the best mean; the baseline unless another is strictly better (at `DECIMALS`), and with
    `every_origin` better at every origin too; ties between other candidates go to the one listed first."""
    baseline = next(f for f in figures if f.baseline)
    sign = 1.0 if higher_is_better else -1.0

    def score(f: Figures) -> float:
        return sign * round(f.mean, DECIMALS)

    best = baseline
    for f in figures:
        if f.baseline or score(f) <= score(best):
            continue
        if every_origin and not all(
            sign * (o["value"] - b["value"]) > 0 for o, b in zip(f.origins, baseline.origins, strict=True)
        ):
            continue
        best = f
    return best.algorithm


def plan_origins(
    first_day: pd.Timestamp, as_of: pd.Timestamp, horizon_days: int, step_days: int | None = None
) -> tuple[list[pd.Timestamp], str]:
    """`ORIGINS` test origins (oldest first) ending one horizon before `as_of`, or none and why not."""
    origins = origins_before(as_of, horizon_days, ORIGINS, step_days)
    earliest = origins[0] - pd.Timedelta(days=horizon_days)  # the first origin trains on examples as of here
    needed = earliest - pd.Timedelta(days=MIN_HISTORY_DAYS)
    if first_day > needed:
        days = (as_of - first_day).days
        span = (as_of - needed).days
        return [], f"{days} days of sales are too short for {ORIGINS} origins (needs {span})"
    return origins, ""


def rolling_classifiers(
    examples_at: Callable[[pd.Timestamp], Examples],
    origins: Sequence[pd.Timestamp],
    horizon_days: int,
    options: Sequence[Option],
) -> Selection | str:
    """Every option's AUC at each origin and the chosen one, or why the origins cannot be used.

    An option that fails to fit at some origin is dropped (logged); the baseline must succeed.
    """
    for cutoff in sorted({*origins, *(o - pd.Timedelta(days=horizon_days) for o in origins)}):
        y = examples_at(cutoff).y
        fewest = min(int(y.sum()), int(len(y) - y.sum()))
        if fewest < MIN_CLASS:
            return f"at cut-off {cutoff.date()} only {fewest} examples of one label (needs {MIN_CLASS})"
    figures = []
    for option in options:
        try:
            table = rolling_evaluation(examples_at, origins, horizon_days, option.factory)
        except Exception as e:  # a candidate that cannot be fitted on this data is not a candidate
            if option.baseline:
                return f"the baseline {option.algorithm} failed at an origin: {e}"
            logger.warning("%s dropped from the selection: %s", option.algorithm, e)
            continue
        rows = table.drop(index="mean")
        figures.append(
            Figures(
                option.algorithm,
                option.baseline,
                [
                    {
                        "cutoff": str(label),
                        "value": float(row["auc"]),
                        "rows": int(row["test_rows"]),
                        "train_rows": int(row["train_rows"]),
                    }
                    for label, row in rows.iterrows()
                ],
            )
        )
    chosen = choose(figures, higher_is_better=True)
    return Selection(chosen, ROLLING, "auc", figures, rule=RULE)


def holdout_classifiers(
    options: Sequence[Option],
    measure: Callable[[Option], Mapping[str, float]],
    cutoff: pd.Timestamp,
    rows: int,
    why: str,
) -> Selection:
    """Every option measured once on the holdout (`measure` fits it and returns its metrics)."""
    figures = []
    for option in options:
        try:
            value = float(measure(option)["auc"])
        except Exception as e:
            if option.baseline:
                raise
            logger.warning("%s dropped from the selection: %s", option.algorithm, e)
            continue
        figures.append(
            Figures(
                option.algorithm,
                option.baseline,
                [{"cutoff": str(cutoff.date()), "value": value, "rows": rows}],
            )
        )
    return Selection(choose(figures, higher_is_better=True), HOLDOUT, "auc", figures, note=why, rule=RULE)


RULE = (
    f"best mean over {ORIGINS} rolling origins inside the training data (at most {SAMPLE_CUSTOMERS:,} training "
    f"customers each, a fixed sample); the baseline is kept unless another candidate is strictly better at "
    f"{DECIMALS} decimals; the single holdout when the history is too short"
)
