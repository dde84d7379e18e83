"""GET /api/v1/models: every model in use with each candidate's figure at every rolling origin and the mean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask.testing import FlaskClient

from models import registry
from models.registry import Candidate, Metric
from pipeline.scoring.selection import ROLLING, Figures, Selection
from tests.unit.api.api_helpers import bearer, sign_in
from warehouse.engine import Warehouse

CUTOFFS = ["2025-03-04", "2025-06-02", "2025-08-31", "2025-11-29"]


def _figures(name: str, values: list[float], baseline: bool = False) -> Figures:
    return Figures(
        name, baseline, [{"cutoff": c, "value": v, "rows": 80} for c, v in zip(CUTOFFS, values, strict=True)]
    )


def test_the_models_endpoint_gives_every_origins_figure_and_the_mean(
    client: FlaskClient, api_warehouse: Warehouse, tmp_path: Path
) -> None:
    figures = [
        _figures("logistic", [0.70, 0.74, 0.66, 0.70], True),
        _figures("xgboost+isotonic", [0.72, 0.76, 0.70, 0.74]),
    ]
    selection = Selection(
        "xgboost+isotonic", ROLLING, "auc", figures, rule="best mean over 4 rolling origins"
    )
    candidate = Candidate(
        model="churn",
        algorithm="xgboost+isotonic",
        fitted={"weights": [1.0]},
        train_start=dt.date(2024, 1, 1),
        train_end=dt.date(2025, 3, 12),
        rows=300,
        features=["recency_days"],
        metrics={"auc": 0.73},
        holdout="75 of 300 customers",
        selection=selection.as_json(),
    )
    with api_warehouse.begin() as conn:
        registry.register(
            conn, tmp_path / "models", candidate, Metric("auc", True, 0.05), lambda m: {"auc": 0.73},
            dt.datetime(2025, 3, 12, 6, 0),
        )  # fmt: skip
    answer = client.get("/api/v1/models", headers=bearer(sign_in(client, "analyst")))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [churn] = answer.json
    assert (churn["model"], churn["version"], churn["chosen"], churn["method"]) == (
        "churn", 1, "xgboost+isotonic", "rolling origins",
    )  # fmt: skip
    assert churn["trained_at"] == "2025-03-12T06:00:00"
    logistic, xgboost = churn["candidates"]
    assert logistic["baseline"] and not logistic["chosen"] and xgboost["chosen"]
    assert [o["cutoff"] for o in xgboost["origins"]] == CUTOFFS
    assert [o["value"] for o in xgboost["origins"]] == [0.72, 0.76, 0.70, 0.74]
    assert [o["rows"] for o in xgboost["origins"]] == [80] * 4
    assert (logistic["mean"], xgboost["mean"]) == (0.7, 0.73)
    assert client.get("/api/v1/models").status_code == 401
