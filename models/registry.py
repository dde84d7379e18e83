"""Model registry: versions in ``model_registry``, fitted models as pickles, champion/challenger decisions.

A new version is compared with the current champion on the *same* holdout: the champion's pickled model
is re-scored on the holdout the new version was measured on. The new version becomes champion only if it
is strictly better on the model's primary metric; the old champion then retires. Otherwise it is kept as
a challenger. `retrain_due` says when a model should be trained again (new data or metric drift).

Pickles live under ``<model_dir>/<model>/<version>-<sha256 prefix>.pkl`` (the pipeline uses
``settings.var_dir/models``); they are written by this code and only read back from there. The file's hash is in
its name, so two warehouses sharing one model directory never overwrite each other's version 1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import pickle  # only files whose SHA-256 the registry recorded are loaded  # nosec B403
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import model_registry

logger = logging.getLogger(__name__)

CHAMPION, CHALLENGER, RETIRED = "champion", "challenger", "retired"
HOLDOUT_SHARE = 25  # percent of customers held out of every version's training, the same ones each time

MIN_NEW_DAYS = 7  # retrain when the data reach this many days past the champion's train_end
MIN_ROW_GROWTH = 0.10  # ... or when the training rows grew by this share


@dataclass(frozen=True)
class Metric:
    """A model's primary metric, which way is better, and how much worse counts as drift."""

    name: str
    higher_is_better: bool
    drift: float  # absolute worsening (higher_is_better) or relative worsening (lower is better)

    def better(self, new: float, old: float) -> bool:
        return new > old if self.higher_is_better else new < old

    def drifted(self, recent: float, at_training: float) -> bool:
        if self.higher_is_better:
            return recent < at_training - self.drift
        return recent > at_training * (1.0 + self.drift)


@dataclass(frozen=True)
class Candidate:
    """A freshly trained model version, measured on a holdout, not yet registered."""

    model: str
    algorithm: str
    fitted: Any
    train_start: dt.date | None
    train_end: dt.date | None
    rows: int
    features: Sequence[str]
    metrics: Mapping[str, float]
    holdout: str
    #: How the algorithm was chosen: the rule, and each candidate's figure at every rolling origin (JSON-able).
    selection: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Decision:
    """What the registry did with a candidate."""

    model: str
    version: int
    status: str
    reason: str
    champion_version: int  # the champion after the decision


def in_holdout(keys: pd.Index, share: int = HOLDOUT_SHARE) -> pd.Series:
    """True for the customers every version holds out: a fixed hash of the key, so stable across runs."""
    values = keys.to_numpy(dtype="int64") * 2654435761 % 2**32 % 100
    return pd.Series(values < share, index=keys)


def pickle_path(model_dir: Path, model: str, version: int, sha256: str) -> Path:
    return model_dir / model / f"{version}-{sha256[:16]}.pkl"


class ModelFileRefused(FileNotFoundError):
    """A model file that is missing or does not match the hash its registry row recorded: it is never unpickled."""


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_fitted(model_dir: Path, row: Mapping[str, Any]) -> Any:
    """The fitted model of a registered version (a ``model_registry`` row), after checking the file's hash.

    Unpickling runs code, so a file is loaded only when its SHA-256 equals the one recorded when it was
    written; a changed, swapped or unhashed file raises :class:`ModelFileRefused` and the model is retrained.
    """
    model, version, expected = str(row["model"]), int(row["version"]), row.get("file_sha256")
    if not expected:
        raise ModelFileRefused(f"no hash was recorded for {model} v{version}")
    path = pickle_path(model_dir, model, version, expected)
    if not path.exists():
        path = model_dir / model / f"{version}.pkl"  # written before file names carried the hash
    data = path.read_bytes()
    if file_digest(data) != expected:
        logger.error("refused %s: its hash differs from the one recorded when it was written", path)
        raise ModelFileRefused(
            f"{path} does not match the hash recorded for {row['model']} v{row['version']}"
        )
    return pickle.loads(data)["fitted"]  # noqa: S301  # verified above: the bytes `register` wrote  # nosec B301


def _rounded(metrics: Mapping[str, float]) -> dict[str, float]:
    return {k: round(float(v), 6) for k, v in sorted(metrics.items())}


def versions(conn: Connection, model: str) -> list[dict[str, Any]]:
    """Every registered version of `model`, oldest first, metrics and features decoded."""
    rows = conn.execute(
        sa.select(model_registry).where(model_registry.c.model == model).order_by(model_registry.c.version)
    )
    return [_decoded(dict(r._mapping)) for r in rows]


def champion(conn: Connection, model: str) -> dict[str, Any] | None:
    """The champion row of `model` (metrics and features decoded), or None before the first training."""
    row = conn.execute(
        sa.select(model_registry).where(
            (model_registry.c.model == model) & (model_registry.c.status == CHAMPION)
        )
    ).first()
    return _decoded(dict(row._mapping)) if row else None


def outlived(row: Mapping[str, Any], data_end: dt.date | None) -> bool:
    """Whether a registered version learned from data reaching past ``data_end``: the warehouse no longer
    holds that history (records were deleted at their sources), so the version no longer describes it."""
    train_end = row["train_end"]
    return train_end is not None and data_end is not None and train_end > data_end


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    selection = row.get("selection")
    return row | {
        "metrics": json.loads(row["metrics"]),
        "features": json.loads(row["features"]),
        "selection": json.loads(selection) if selection else None,
    }


def retrain_due(
    current: Mapping[str, Any] | None,
    data_end: dt.date,
    rows: int,
    metric: Metric,
    recent_metric: float | None = None,
) -> tuple[bool, str]:
    """Whether to train `current`'s model again, and why: no champion, new data, or metric drift."""
    if current is None:
        return True, "no champion yet"
    train_end = current["train_end"]
    if train_end is not None and (data_end - train_end).days >= MIN_NEW_DAYS:
        return (
            True,
            f"data now reach {data_end}, {(data_end - train_end).days} days past train_end {train_end}",
        )
    if current["rows"] and rows >= current["rows"] * (1.0 + MIN_ROW_GROWTH):
        return True, f"{rows} rows now against {current['rows']} at training (+{MIN_ROW_GROWTH:.0%} or more)"
    at_training = current["metrics"].get(metric.name)
    if recent_metric is not None and at_training is not None and metric.drifted(recent_metric, at_training):
        return True, f"{metric.name} drifted: {recent_metric:.4g} on recent data against {at_training:.4g}"
    return False, "not due"


def register(
    conn: Connection,
    model_dir: Path,
    candidate: Candidate,
    metric: Metric,
    rescore: Callable[[Any], Mapping[str, float]],
    trained_at: dt.datetime,
    batch_id: int | None = None,
) -> Decision:
    """Record `candidate` as the next version; promote it only if it beats the champion on its holdout.

    `rescore(fitted)` measures a fitted model on the candidate's holdout (the same function measured the
    candidate); the champion's pickle is loaded and re-scored with it.
    """
    name = candidate.model
    version = 1 + int(
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(model_registry.c.version), 0)).where(
                model_registry.c.model == name
            )
        ).scalar_one()
    )
    data = pickle.dumps({"metrics": _rounded(candidate.metrics), "fitted": candidate.fitted})
    path = pickle_path(model_dir, name, version, file_digest(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)  # readers never see half a file
    new = float(candidate.metrics[metric.name])
    current = champion(conn, name)
    if current is None:
        status, reason = CHAMPION, f"first version: {metric.name} {new:.4g} on {candidate.holdout}"
    elif outlived(current, candidate.train_end):
        status = CHAMPION
        reason = (
            f"champion v{current['version']} learned from data to {current['train_end']}, past the data end "
            f"{candidate.train_end}: that history is gone, so it cannot be compared: promoted"
        )
    else:
        old_version = int(current["version"])
        try:
            fitted = load_fitted(model_dir, current)
            old = float(rescore(fitted)[metric.name])
        except FileNotFoundError:
            status = CHAMPION
            reason = f"champion v{old_version}'s fitted model is missing or refused, so it cannot be re-scored: promoted"
        else:
            won = metric.better(new, old)
            status = CHAMPION if won else CHALLENGER
            verdict = "better: promoted" if won else "not better: stays challenger"
            reason = (
                f"{metric.name} {new:.4g} vs champion v{old_version} {old:.4g} on the same holdout "
                f"({candidate.holdout}); {verdict}"
            )
    if current is not None and status == CHAMPION:
        conn.execute(
            model_registry.update()
            .where((model_registry.c.model == name) & (model_registry.c.status == CHAMPION))
            .values(status=RETIRED)
        )
    conn.execute(
        model_registry.insert().values(
            model=name,
            version=version,
            status=status,
            algorithm=candidate.algorithm,
            trained_at=trained_at,
            train_start=candidate.train_start,
            train_end=candidate.train_end,
            rows=candidate.rows,
            features=json.dumps(list(candidate.features)),
            metrics=json.dumps(_rounded(candidate.metrics)),
            holdout=candidate.holdout[:200],
            decision=reason[:500],
            batch_id=batch_id,
            file_sha256=file_digest(data),
            selection=json.dumps(candidate.selection) if candidate.selection is not None else None,
        )
    )
    champion_version = version if status == CHAMPION else int(current["version"])  # type: ignore[index]
    logger.info("%s v%d registered as %s: %s", name, version, status, reason)
    return Decision(name, version, status, reason, champion_version)
