"""Registry decisions: a better challenger replaces the champion, a worse one stays challenger, and both
are judged on the same holdout (the champion's pickle is re-scored on the new version's holdout)."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Connection

from models import registry
from models.registry import Candidate, Metric
from warehouse.engine import Warehouse

AUC = Metric("auc", higher_is_better=True, drift=0.05)
NOW = dt.datetime(2026, 11, 27, 5, 0)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'registry.db'}")
    warehouse.create_all()
    with warehouse.begin() as connection:
        yield connection
    warehouse.engine.dispose()


def _data(seed: int, n: int = 400) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"signal": rng.normal(size=n), "noise": rng.normal(size=n)})
    y = pd.Series((x["signal"] + rng.normal(scale=0.8, size=n) > 0).astype(int))
    return x, y


class Weights:
    """A linear scorer standing in for a fitted model (pickles, scores any frame with its columns)."""

    def __init__(self, signal: float, noise: float) -> None:
        self.signal, self.noise = signal, noise

    def predict(self, x: pd.DataFrame) -> pd.Series:
        return x["signal"] * self.signal + x["noise"] * self.noise


def _rescorer(x: pd.DataFrame, y: pd.Series, seen: list[str] | None = None) -> Any:
    from sklearn.metrics import roc_auc_score

    def rescore(model: Weights) -> dict[str, float]:
        if seen is not None:
            seen.append(f"rescored on {len(x)} rows")
        return {"auc": float(roc_auc_score(y, model.predict(x)))}

    return rescore


def _candidate(model: Weights, rescore: Any, holdout: str = "seed 1") -> Candidate:
    return Candidate(
        model="churn",
        algorithm="linear",
        fitted=model,
        train_start=dt.date(2025, 1, 1),
        train_end=dt.date(2026, 11, 27),
        rows=400,
        features=["signal", "noise"],
        metrics=rescore(model),
        holdout=holdout,
    )


def test_first_version_becomes_champion(conn: Connection, tmp_path: Path) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    decision = registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    assert (decision.version, decision.status) == (1, registry.CHAMPION)
    assert registry.champion(conn, "churn")["version"] == 1  # type: ignore[index]
    assert isinstance(registry.load_fitted(tmp_path, registry.champion(conn, "churn") or {}), Weights)


def test_better_challenger_replaces_champion_and_the_old_one_retires(
    conn: Connection, tmp_path: Path
) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    registry.register(conn, tmp_path, _candidate(Weights(0.2, 1), rescore), AUC, rescore, NOW)  # mostly noise
    decision = registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    assert (decision.version, decision.status, decision.champion_version) == (2, registry.CHAMPION, 2)
    assert "promoted" in decision.reason
    statuses = {v["version"]: v["status"] for v in registry.versions(conn, "churn")}
    assert statuses == {1: registry.RETIRED, 2: registry.CHAMPION}


def test_worse_or_equal_challenger_stays_challenger(conn: Connection, tmp_path: Path) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    worse = registry.register(conn, tmp_path, _candidate(Weights(0.2, 1), rescore), AUC, rescore, NOW)
    tie = registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    assert worse.status == tie.status == registry.CHALLENGER
    assert worse.champion_version == tie.champion_version == 1
    assert "stays challenger" in worse.reason
    statuses = {v["version"]: v["status"] for v in registry.versions(conn, "churn")}
    assert statuses == {1: registry.CHAMPION, 2: registry.CHALLENGER, 3: registry.CHALLENGER}


def test_champion_is_rescored_on_the_new_holdout_not_judged_by_its_old_metric(
    conn: Connection, tmp_path: Path
) -> None:
    # v1 looked excellent on an easy holdout; on the new, harder holdout it is worse than v2.
    easy_x, easy_y = _data(1)
    easy_y = (easy_x["noise"] > 0).astype(int)  # v1 (noise weights) is perfect here
    easy = _rescorer(easy_x, easy_y)
    v1 = registry.register(conn, tmp_path, _candidate(Weights(0, 1), easy, "easy"), AUC, easy, NOW)
    assert registry.versions(conn, "churn")[0]["metrics"]["auc"] == 1.0
    new_x, new_y = _data(2)
    seen: list[str] = []
    hard = _rescorer(new_x, new_y, seen)
    candidate = _candidate(Weights(1, 0), hard, "hard")
    seen.clear()
    decision = registry.register(conn, tmp_path, candidate, AUC, hard, NOW)
    assert seen == ["rescored on 400 rows"], "the champion was re-scored on the candidate's holdout"
    assert decision.status == registry.CHAMPION  # v2's ~0.85 beats v1's ~0.5 on the same holdout
    assert f"champion v{v1.version}" in decision.reason and "hard" in decision.reason


def test_a_champion_whose_history_is_gone_gives_way_to_one_trained_on_the_data_left(
    conn: Connection, tmp_path: Path
) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    shrunk = replace(
        _candidate(Weights(0.2, 1), rescore), train_end=dt.date(2025, 12, 11)
    )  # worse, yet promoted
    decision = registry.register(conn, tmp_path, shrunk, AUC, rescore, NOW)
    assert (decision.status, decision.champion_version) == (registry.CHAMPION, 2)
    assert "learned from data to 2026-11-27, past the data end 2025-12-11" in decision.reason
    statuses = {v["version"]: v["status"] for v in registry.versions(conn, "churn")}
    assert statuses == {1: registry.RETIRED, 2: registry.CHAMPION}  # one champion, never two
    assert registry.outlived(registry.versions(conn, "churn")[0], dt.date(2025, 12, 11))
    assert not registry.outlived(registry.versions(conn, "churn")[1], dt.date(2025, 12, 11))


class _Planted:
    """A pickle that writes a file when it is loaded: what a swapped model file could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "ran"))


def test_a_changed_model_file_is_refused_before_it_is_unpickled(conn: Connection, tmp_path: Path) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    row = registry.champion(conn, "churn")
    assert row is not None and len(row["file_sha256"]) == 64
    marker = tmp_path / "planted-code-ran"
    path = registry.pickle_path(tmp_path, "churn", 1, row["file_sha256"])
    path.write_bytes(pickle.dumps({"metrics": row["metrics"], "fitted": _Planted(marker)}))
    with pytest.raises(registry.ModelFileRefused, match="does not match the hash"):
        registry.load_fitted(tmp_path, row)
    assert not marker.exists(), "the swapped file was never unpickled"
    with pytest.raises(registry.ModelFileRefused, match="no hash was recorded"):
        registry.load_fitted(tmp_path, row | {"file_sha256": None})


def test_two_warehouses_sharing_a_model_folder_keep_their_own_versions(tmp_path: Path) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    models, loaded = tmp_path / "models", []
    for name, weights in (("a", Weights(1, 0)), ("b", Weights(0, 1))):
        warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / name}.db")
        warehouse.create_all()
        with warehouse.begin() as connection:
            registry.register(connection, models, _candidate(weights, rescore), AUC, rescore, NOW)
        loaded.append(warehouse)
    fitted = []
    for warehouse in loaded:
        with warehouse.begin() as connection:
            fitted.append(registry.load_fitted(models, registry.champion(connection, "churn") or {}))
        warehouse.engine.dispose()
    assert [(f.signal, f.noise) for f in fitted] == [(1, 0), (0, 1)], "each warehouse reads its own v1"
    assert len(list((models / "churn").glob("1-*.pkl"))) == 2


def test_a_file_written_under_its_version_alone_is_still_read(conn: Connection, tmp_path: Path) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    (written,) = (tmp_path / "churn").glob("1-*.pkl")
    written.rename(tmp_path / "churn" / "1.pkl")
    assert registry.load_fitted(tmp_path, registry.champion(conn, "churn") or {}).signal == 1


def test_a_refused_champion_is_replaced_by_the_next_training(conn: Connection, tmp_path: Path) -> None:
    x, y = _data(1)
    rescore = _rescorer(x, y)
    registry.register(conn, tmp_path, _candidate(Weights(1, 0), rescore), AUC, rescore, NOW)
    (written,) = (tmp_path / "churn").glob("1-*.pkl")
    written.write_bytes(pickle.dumps({"fitted": Weights(0, 1)}))
    decision = registry.register(conn, tmp_path, _candidate(Weights(0.2, 1), rescore), AUC, rescore, NOW)
    assert (decision.status, decision.champion_version) == (registry.CHAMPION, 2)
    assert "missing or refused" in decision.reason


def test_retrain_is_due_on_new_data_more_rows_or_drift() -> None:
    current = {"train_end": dt.date(2026, 11, 20), "rows": 1000, "metrics": {"auc": 0.80}}
    assert registry.retrain_due(None, dt.date(2026, 11, 20), 1000, AUC) == (True, "no champion yet")
    assert not registry.retrain_due(current, dt.date(2026, 11, 26), 1050, AUC, 0.79)[0]
    assert registry.retrain_due(current, dt.date(2026, 11, 27), 1000, AUC)[0]  # 7 days of new data
    assert registry.retrain_due(current, dt.date(2026, 11, 21), 1100, AUC)[0]  # +10% rows
    due, why = registry.retrain_due(current, dt.date(2026, 11, 21), 1000, AUC, 0.74)
    assert due and "drifted" in why
    wape = Metric("wape", higher_is_better=False, drift=0.25)
    assert registry.retrain_due(
        {**current, "metrics": {"wape": 20.0}}, dt.date(2026, 11, 21), 1000, wape, 26.0
    )[0]


def test_holdout_is_the_same_customers_every_time() -> None:
    keys = pd.Index(range(1, 2001))
    first, again = registry.in_holdout(keys), registry.in_holdout(pd.Index(range(1, 4001)))
    assert first.equals(again.iloc[:2000].set_axis(keys))
    assert 0.2 < first.mean() < 0.3
