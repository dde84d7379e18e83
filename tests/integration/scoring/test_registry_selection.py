"""Every candidate's figure at every rolling origin is stored with the registered version and read back as
the Models page and the API show it, on SQLite and PostgreSQL (migrated to revision 0024)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from models import registry
from models.baselines import ColumnScore, LogisticModel
from models.registry import Candidate, Metric
from models.rolling import Examples
from pipeline.scoring.selection import Option, Selection, plan_origins, rolling_classifiers
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.model_queries import model_choices

AS_OF = pd.Timestamp("2026-11-27")
NOW = dt.datetime(2026, 11, 27, 23, 0)


def _examples_at(cutoff: pd.Timestamp) -> Examples:
    """Customers at one cut-off: `signal` drives the label; `weak` barely does."""
    rng = np.random.default_rng(int(cutoff.toordinal()) % 10_000)
    n = 200
    signal = rng.normal(size=n)
    x = pd.DataFrame(
        {"signal": signal, "weak": rng.uniform(size=n)}, index=pd.RangeIndex(n, name="customer_id")
    )
    y = pd.Series((signal + rng.normal(scale=0.8, size=n) > 0).astype(int), index=x.index)
    return Examples(x, y, x["weak"])


def test_each_candidates_figure_at_each_origin_is_stored_and_read_back(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    upgrade(warehouse)
    origins, _ = plan_origins(pd.Timestamp("2024-03-01"), AS_OF, 90)
    options = [Option("weak", lambda: ColumnScore("weak"), baseline=True), Option("logistic", LogisticModel)]
    selection = rolling_classifiers(_examples_at, origins, 90, options)
    assert isinstance(selection, Selection) and selection.chosen == "logistic"
    x, y = _examples_at(AS_OF - pd.Timedelta(days=90)).x, _examples_at(AS_OF - pd.Timedelta(days=90)).y
    fitted = LogisticModel().fit(x, y)
    candidate = Candidate(
        model="churn",
        algorithm=selection.chosen,
        fitted=fitted,
        train_start=dt.date(2024, 3, 1),
        train_end=AS_OF.date(),
        rows=len(x),
        features=list(x.columns),
        metrics={"auc": 0.8},
        holdout="test holdout",
        selection=selection.as_json(),
    )
    with warehouse.begin() as conn:
        decision = registry.register(
            conn, tmp_path, candidate, Metric("auc", True, 0.05), lambda m: {"auc": 0.8}, NOW
        )
        assert decision.status == registry.CHAMPION
        stored = registry.champion(conn, "churn")
    assert stored is not None and stored["selection"] == selection.as_json()

    [choice] = model_choices(warehouse)
    assert (choice.model, choice.version, choice.algorithm, choice.chosen) == (
        "churn",
        1,
        "logistic",
        "logistic",
    )
    assert choice.method == "rolling origins" and choice.metric == "auc"
    assert choice.cutoffs() == [str(o.date()) for o in origins]
    by_name = {c.algorithm: c for c in choice.candidates}
    assert by_name["weak"].baseline and not by_name["weak"].chosen and by_name["logistic"].chosen
    for figures in selection.figures:
        read = by_name[figures.algorithm]
        assert [o.cutoff for o in read.origins] == [o["cutoff"] for o in figures.origins]
        assert [o.value for o in read.origins] == [round(o["value"], 6) for o in figures.origins]
        assert [o.rows for o in read.origins] == [200, 200, 200, 200]
        assert abs(read.mean - figures.mean) < 1e-6
    assert by_name["logistic"].mean > by_name["weak"].mean + 0.2


def test_a_version_registered_before_choices_were_kept_reads_as_having_none(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    upgrade(warehouse)
    candidate = Candidate(
        model="clv",
        algorithm="bgnbd+gamma_gamma",
        fitted={"bgnbd": {}},
        train_start=None,
        train_end=AS_OF.date(),
        rows=10,
        features=["frequency"],
        metrics={"mae": 1.0},
        holdout="test holdout",
    )
    with warehouse.begin() as conn:
        registry.register(conn, tmp_path, candidate, Metric("mae", False, 0.25), lambda m: {"mae": 1.0}, NOW)
        assert registry.versions(conn, "clv")[0]["selection"] is None
    [choice] = model_choices(warehouse)
    assert choice.candidates == () and choice.algorithm == "bgnbd+gamma_gamma"
