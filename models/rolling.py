"""Rolling-origin (time-based) evaluation of a classifier: several origins, each trained on the past only.

At an origin t with horizon h the model is trained on the examples *as of* t − h, labelled by what happened
in (t − h, t], and scored on the examples as of t, labelled by (t, t + h]; nothing after t reaches the
model. Each origin reports AUC, PR-AUC (average precision) and Brier score beside a named baseline score
(its AUC and PR-AUC) and the prior rate (the training origin's positive rate as a constant forecast, whose
Brier score any useful probability must beat). The mean over the origins is what a user should read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Metrics of one origin, in print order.
COLUMNS: tuple[str, ...] = (
    "train_rows",
    "test_rows",
    "positive_rate",
    "auc",
    "pr_auc",
    "brier",
    "baseline_auc",
    "baseline_pr_auc",
    "prior_brier",
)


@dataclass(frozen=True)
class Examples:
    """Features and 0/1 labels at one cut-off, plus the baseline's score (higher = more likely positive)."""

    x: pd.DataFrame
    y: pd.Series
    baseline: pd.Series


def origins_before(
    end: str | pd.Timestamp, horizon_days: int, count: int = 4, step_days: int | None = None
) -> list[pd.Timestamp]:
    """`count` test origins `step_days` apart (default: one horizon), the last one horizon before `end`
    (oldest first)."""
    last = pd.Timestamp(end) - pd.Timedelta(days=horizon_days)
    step = horizon_days if step_days is None else step_days
    return [last - pd.Timedelta(days=step * k) for k in range(count - 1, -1, -1)]


def score_metrics(y: pd.Series, score: pd.Series) -> dict[str, float]:
    """AUC and PR-AUC of a ranking score against 0/1 labels."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels, values = y.to_numpy(dtype=int), score.reindex(y.index).to_numpy(dtype=float)
    values = np.where(np.isfinite(values), values, np.nanmin(values[np.isfinite(values)]) - 1.0)
    return {
        "auc": float(roc_auc_score(labels, values)),
        "pr_auc": float(average_precision_score(labels, values)),
    }


def rolling_evaluation(
    examples_at: Callable[[pd.Timestamp], Examples],
    origins: Sequence[pd.Timestamp],
    horizon_days: int,
    model_factory: Callable[[], Any],
) -> pd.DataFrame:
    """One row per test origin (and a final `mean` row) with the model's and the baseline's metrics.

    `examples_at(cutoff)` builds the features as of `cutoff` and labels from (cutoff, cutoff + horizon];
    `model_factory()` gives an unfitted classifier with `fit(x, y)` and `predict_proba(x)`.
    """
    rows: dict[str, dict[str, float]] = {}
    for origin in origins:
        train = examples_at(origin - pd.Timedelta(days=horizon_days))
        test = examples_at(origin)
        for part, name in ((train, "training"), (test, "test")):
            if part.y.nunique() < 2:
                raise ValueError(f"origin {origin.date()}: the {name} labels hold one class only")
        model = model_factory().fit(train.x, train.y)
        proba = pd.Series(np.asarray(model.predict_proba(test.x), dtype=float), index=test.x.index)
        prior = float(train.y.mean())
        labels = test.y.to_numpy(dtype=float)
        ours, base = score_metrics(test.y, proba), score_metrics(test.y, test.baseline)
        rows[str(origin.date())] = {
            "train_rows": float(len(train.y)),
            "test_rows": float(len(test.y)),
            "positive_rate": float(test.y.mean()),
            "auc": ours["auc"],
            "pr_auc": ours["pr_auc"],
            "brier": float(np.mean((proba.to_numpy() - labels) ** 2)),
            "baseline_auc": base["auc"],
            "baseline_pr_auc": base["pr_auc"],
            "prior_brier": float(np.mean((prior - labels) ** 2)),
        }
        logger.info("origin %s: %s", origin.date(), rows[str(origin.date())])
    table = pd.DataFrame.from_dict(rows, orient="index")[list(COLUMNS)]
    table.loc["mean"] = table.mean()
    return table


def card_metrics(table: pd.DataFrame, prefix: str = "") -> dict[str, float]:
    """The table as `metric=value` pairs: per origin (`o1_auc` …) and the means (`mean_auc` …)."""
    out: dict[str, float] = {}
    metrics = [c for c in COLUMNS if c not in ("train_rows", "test_rows")]
    for k, (label, row) in enumerate(table.iterrows(), start=1):
        key = "mean" if label == "mean" else f"o{k}"
        for name in metrics:
            out[f"{prefix}{key}_{name}"] = round(float(row[name]), 4)
    return out


def table_notes(table: pd.DataFrame) -> list[str]:
    """One readable line per origin for a model card."""
    return [
        f"origin {label}: "
        + (
            f"{row['train_rows']:,.0f} training / {row['test_rows']:,.0f} test rows, "
            if label != "mean"
            else ""
        )
        + f"positive rate {row['positive_rate']:.3f}; AUC {row['auc']:.4f} (baseline {row['baseline_auc']:.4f}), "
        f"PR-AUC {row['pr_auc']:.4f} (baseline {row['baseline_pr_auc']:.4f}), "
        f"Brier {row['brier']:.4f} (prior rate {row['prior_brier']:.4f})"
        for label, row in table.iterrows()
    ]
