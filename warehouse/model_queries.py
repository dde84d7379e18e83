"""How each champion model was chosen, for the portal and the API: every candidate's figure at every rolling
origin and its mean, the rule, and whether the rolling origins or the single holdout decided.

The figures come from ``model_registry.selection`` (written by the score step, `pipeline.scoring.selection`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import model_registry

logger = logging.getLogger(__name__)

#: Display order and names of the models.
MODEL_NAMES: dict[str, str] = {
    "churn": "Churn",
    "lead_score": "Lead score",
    "upsell": "Upsell",
    "clv": "Customer lifetime value",
    "forecast": "Revenue forecast",
}
#: What each metric is, in words.
METRIC_NAMES: dict[str, str] = {
    "auc": "AUC (higher is better)",
    "mae": "mean absolute error of purchases per customer (lower is better)",
    "wape": "WAPE % of daily revenue (lower is better)",
}


@dataclass(frozen=True)
class OriginFigure:
    """One candidate's figure at one rolling origin (or on the holdout)."""

    cutoff: str
    value: float
    rows: int


@dataclass(frozen=True)
class CandidateFigures:
    """A candidate's figures at every origin, their mean, and whether it is the baseline or the chosen one."""

    algorithm: str
    baseline: bool
    chosen: bool
    mean: float
    origins: tuple[OriginFigure, ...]


@dataclass(frozen=True)
class ModelChoice:
    """A champion version and how its algorithm was chosen (no candidates: trained before choices were kept)."""

    model: str
    version: int
    algorithm: str
    trained_at: dt.datetime | None
    metric: str
    method: str
    note: str
    rule: str
    chosen: str
    candidates: tuple[CandidateFigures, ...]

    @property
    def name(self) -> str:
        return MODEL_NAMES.get(self.model, self.model)

    def cutoffs(self) -> list[str]:
        """Every origin's cut-off date over the candidates, oldest first."""
        return sorted({o.cutoff for c in self.candidates for o in c.origins})


def champions_query() -> sa.Select[Any]:
    """Every champion's registry row with its selection."""
    r = model_registry.c
    return sa.select(r.model, r.version, r.algorithm, r.trained_at, r.selection).where(r.status == "champion")


def decode_choice(row: dict[str, Any]) -> ModelChoice:
    """Pure: a registry row (selection as stored JSON text, or None) as a `ModelChoice`."""
    raw = row.get("selection")
    stored: dict[str, Any] = json.loads(raw) if isinstance(raw, str) and raw else {}
    chosen = str(stored.get("chosen", ""))
    candidates = tuple(
        CandidateFigures(
            algorithm=str(c["algorithm"]),
            baseline=bool(c.get("baseline")),
            chosen=str(c["algorithm"]) == chosen,
            mean=float(c["mean"]),
            origins=tuple(
                OriginFigure(str(o["cutoff"]), float(o["value"]), int(o.get("rows", 0))) for o in c["origins"]
            ),
        )
        for c in stored.get("candidates", [])
    )
    trained = row.get("trained_at")
    return ModelChoice(
        model=str(row["model"]),
        version=int(row["version"]),
        algorithm=str(row["algorithm"]),
        trained_at=trained if isinstance(trained, dt.datetime) else None,
        metric=str(stored.get("metric", "")),
        method=str(stored.get("method", "")),
        note=str(stored.get("note", "")),
        rule=str(stored.get("rule", "")),
        chosen=chosen,
        candidates=candidates,
    )


def model_choices(warehouse: Warehouse) -> list[ModelChoice]:
    """How every champion was chosen, in `MODEL_NAMES` order."""
    order = list(MODEL_NAMES)
    choices = [decode_choice(dict(r)) for r in warehouse.rows(champions_query())]
    return sorted(choices, key=lambda c: (order.index(c.model) if c.model in order else len(order), c.model))
