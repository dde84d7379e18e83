"""Train and register every model whose retraining is due (champion/challenger in `models.registry`).

When a model is due, its candidates are compared first (`Problem.chosen`: rolling origins inside the
training data, or the single holdout when the history is too short); the chosen one is fitted, measured
on the holdout and registered with every candidate's figures.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from models import registry
from models.features import comment_sentiment
from models.registry import Candidate, Decision, Metric
from pipeline.scoring.inputs import Inputs
from pipeline.scoring.problems import METRICS, NEEDS, PROBLEMS, Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Training:
    """What a training round did: the registry's decisions, and why each model it could not train was not."""

    decisions: list[Decision] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # model -> reason
    chosen: dict[str, str] = field(default_factory=dict)  # model -> how its algorithm was chosen

    def summary(self) -> str:
        """One line for the step record: what was trained (and how it was chosen), what could not be, and why."""
        trained = (
            ", ".join(
                f"{d.model} v{d.version} {d.status}"
                + (f" ({self.chosen[d.model]})" if d.model in self.chosen else "")
                for d in self.decisions
            )
            or "nothing due"
        )
        skipped = "; ".join(f"{name} not trained: {why}" for name, why in self.skipped.items())
        return f"trained: {trained}" + (f"; {skipped}" if skipped else "")


def train_if_due(
    conn: Connection,
    inputs: Inputs,
    model_dir: Path,
    now: dt.datetime,
    batch_id: int | None = None,
    force: bool = False,
) -> Training:
    """Train and register every model whose retraining is due (or all, with `force`).

    A model without enough labelled history is not trained (never a model fitted on too few rows); its
    reason is logged and returned.
    """
    training = Training()
    sentiment = comment_sentiment(inputs.interactions)
    for name, build in PROBLEMS.items():
        problem = build(inputs, sentiment)
        if problem is None:
            training.skipped[name] = (
                f"not enough history ({len(inputs.sales)} sales lines): needs {NEEDS[name]}"
            )
            logger.warning("%s: %s", name, training.skipped[name])
            continue
        metric, current = METRICS[name], registry.champion(conn, name)
        due, why = _due(current, problem, metric, inputs.as_of.date(), model_dir, name)
        if not (due or force):
            logger.info("%s v%s stays champion: %s", name, current and current["version"], why)
            continue
        logger.info("%s: training (%s)", name, "forced" if force and not due else why)
        decision = _train(conn, inputs, model_dir, now, batch_id, name, problem, metric, training)
        if decision is not None:
            training.decisions.append(decision)
    return training


def _train(
    conn: Connection,
    inputs: Inputs,
    model_dir: Path,
    now: dt.datetime,
    batch_id: int | None,
    name: str,
    problem: Problem,
    metric: Metric,
    training: Training,
) -> Decision | None:
    try:
        problem, selection = problem.chosen()
        fitted = problem.fit()
        if selection is None and problem.explain is not None:
            selection = problem.explain(fitted)
    except Exception:
        logger.exception(
            "%s (%s): training failed; the champion (if any) keeps scoring", name, problem.algorithm
        )
        return None
    candidate = Candidate(
        model=name,
        algorithm=problem.algorithm,
        fitted=fitted,
        train_start=problem.train_start,
        train_end=inputs.as_of.date(),
        rows=problem.rows,
        features=problem.features,
        metrics=problem.rescore(fitted),
        holdout=problem.holdout,
        selection=None if selection is None else selection.as_json(),
    )
    if selection is not None:
        training.chosen[name] = f"{selection.chosen} {selection.summary()}"
        logger.info("%s: %s chosen %s", name, selection.chosen, selection.summary())
    return registry.register(conn, model_dir, candidate, metric, problem.rescore, now, batch_id)


def _due(
    current: dict[str, Any] | None,
    problem: Problem,
    metric: Metric,
    data_end: dt.date,
    model_dir: Path,
    name: str,
) -> tuple[bool, str]:
    if current is None:
        return True, "no champion yet"
    try:
        fitted = registry.load_fitted(model_dir, current)
    except FileNotFoundError:
        return True, f"champion v{current['version']}'s fitted model is missing"
    unchanged = current["train_end"] == data_end and current["rows"] == problem.rows
    recent = None if unchanged else float(problem.rescore(fitted)[metric.name])
    return registry.retrain_due(current, data_end, problem.rows, metric, recent)
