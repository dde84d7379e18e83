"""The score step on a generated demo: models train, every customer is scored, the registry decides.

One 400-customer demo is generated and run through the whole batch once per module (~25 s); the
fitted models go to a temporary ``C360_VAR_DIR``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from models import registry
from pipeline.config import load_sources
from pipeline.runner import run_batch
from pipeline.scheduler import run_retrain_job
from pipeline.scoring.inputs import CONTACTS, _firmographics
from settings import Settings, get_settings
from tests.integration.pipeline.conftest import demo_settings, fixed_clock, generate_demo, snapshot
from warehouse.engine import Warehouse
from warehouse.schema import customer_xref, stg_customer

MODELS = {"churn", "clv", "forecast", "lead_score", "upsell"}
ORDER = ("churn", "clv", "lead_score", "forecast", "upsell")  # as scores name their versions
#: Each model's plain baseline, always among the candidates its algorithm is chosen from.
BASELINES = {
    "churn": "logistic",
    "lead_score": "logistic",
    "upsell": "segment uptake",
    "clv": "bgnbd+gamma_gamma",
    "forecast": "SeasonalNaive",
}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Settings, Path]]:
    root = tmp_path_factory.mktemp("scoring")
    sources = generate_demo(root / "demo", 400)
    with demo_settings(root) as warehouse:
        outcome = run_batch(warehouse, load_sources(sources), clock=fixed_clock)
        assert outcome.steps_run[-4:] == ("marts", "analytics", "score", "quality")
        yield warehouse, get_settings(), sources


def _rows(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    return warehouse.rows(sa.text(sql))


def test_batch_trains_every_model_and_scores_every_customer(scored: tuple[Warehouse, Settings, Path]) -> None:
    warehouse, settings, _ = scored
    champions = _rows(warehouse, "SELECT * FROM model_registry WHERE status = 'champion'")
    assert {r["model"] for r in champions} == MODELS
    versions = {r["model"]: r["version"] for r in champions}
    assert set(versions.values()) == {
        1
    }  # one version per model: the candidate chosen over the rolling origins
    message = _rows(warehouse, "SELECT message FROM ops_step_run WHERE step = 'score'")[0]["message"]
    for row in champions:
        selection = json.loads(row["selection"])
        model, higher = row["model"], selection["metric"] == "auc"
        if model == "clv":  # 300 training customers: BG/NBD is the only candidate, measured on the holdout
            assert selection["method"] == "only candidate" and row["algorithm"] == selection["chosen"]
            assert [c["algorithm"] for c in selection["candidates"]] == ["bgnbd+gamma_gamma"]
            assert f"clv v1 champion (bgnbd+gamma_gamma the only candidate: {selection['note']})" in message
            continue
        assert selection["method"] == "rolling origins" and row["algorithm"] in (
            selection["chosen"],
            "ensemble(prophet, statsforecast) by backtest",
        )
        assert (
            f"{model} v1 champion ({selection['chosen']} by mean {selection['metric']} over 4 rolling"
            in message
        )
        candidates = selection["candidates"]
        [baseline] = [c for c in candidates if c["baseline"]]
        assert baseline["algorithm"] == BASELINES[model]
        for candidate in candidates:  # four origins 90 days apart (lead score: 180-day labels), oldest first
            cutoffs = [dt.date.fromisoformat(o["cutoff"]) for o in candidate["origins"]]
            assert len(cutoffs) == 4 and all(
                (b - a).days == 90 for a, b in zip(cutoffs, cutoffs[1:], strict=False)
            )
            assert all(o["rows"] > 0 for o in candidate["origins"])
            assert candidate["mean"] == pytest.approx(
                sum(o["value"] for o in candidate["origins"]) / 4, abs=1e-5
            )
        chosen = next(c for c in candidates if c["algorithm"] == selection["chosen"])
        best = max if higher else min
        if model != "forecast":  # the forecast's ensemble is chosen by its own rule (`choose_forecast`)
            assert round(chosen["mean"], 4) == round(best(c["mean"] for c in candidates), 4)
            if chosen is not baseline:
                assert (chosen["mean"] > baseline["mean"]) if higher else (chosen["mean"] < baseline["mean"])
    for row in champions:
        metrics = json.loads(row["metrics"])
        assert row["train_end"] is not None and row["rows"] > 0 and row["holdout"], row["model"]
        path = registry.pickle_path(
            settings.var_dir / "models", row["model"], row["version"], row["file_sha256"]
        )
        assert path.exists(), path
        if row["model"] in ("churn", "lead_score"):
            assert 0.5 < metrics["auc"] <= 1.0, (row["model"], metrics)  # better than a coin on the holdout
        if row["model"] == "upsell":
            assert 0.0 <= metrics["baseline_auc"] <= 1.0 and 0.0 < metrics["positive_rate"] < 1.0, metrics

    customers = _rows(warehouse, "SELECT customer_key, is_customer FROM dim_customer")
    buyers = {
        r["customer_key"] for r in _rows(warehouse, "SELECT DISTINCT customer_key FROM fact_sales_line")
    }
    categories = {r["category"] for r in _rows(warehouse, "SELECT DISTINCT category FROM dim_product")}
    scores = {r["customer_key"]: r for r in _rows(warehouse, "SELECT * FROM mart_customer_score")}
    assert set(scores) == {c["customer_key"] for c in customers}
    for customer in customers:
        score = scores[customer["customer_key"]]
        if customer["is_customer"]:
            assert 0.0 <= score["churn_probability"] <= 1.0
            assert score["clv_12m"] >= 0.0 and score["expected_orders_12m"] >= 0.0
            assert score["lead_score"] is None
        else:
            assert 0.0 <= score["lead_score"] <= 1.0 and score["churn_probability"] is None
        if score["upsell_category"] is not None:  # the best category the customer has not bought yet
            assert customer["customer_key"] in buyers and score["upsell_category"] in categories
            assert 0.0 <= score["upsell_propensity"] <= 1.0 and score["upsell_product"]
        else:
            assert score["upsell_propensity"] is None
        assert score["model_versions"] == ",".join(f"{m}:{versions[m]}" for m in ORDER)
    assert sum(s["upsell_category"] is not None for s in scores.values()) > 0.8 * len(buyers)
    actions = {s["next_best_action"] for s in scores.values()}
    assert {"retention_call", "nurture_lead"} <= actions

    forecast = _rows(warehouse, "SELECT * FROM mart_sales_forecast ORDER BY day")
    assert len(forecast) == 90 and str(forecast[0]["day"]) == "2026-11-28"
    assert all(0.0 <= f["lower_80"] <= f["forecast"] <= f["upper_80"] for f in forecast)
    assert sum(f["forecast"] for f in forecast) > 0


def test_rerun_changes_nothing_and_forced_retrain_records_a_challenger(
    scored: tuple[Warehouse, Settings, Path],
) -> None:
    warehouse, settings, sources = scored
    tables = [
        "model_registry",
        "mart_customer_score",
        "mart_sales_forecast",
        "mart_kpi_drivers",
        "mart_price_guidance",
    ]
    before = snapshot(warehouse, tables)
    # Same input, forced batch: nothing is due, so no training and the same scores.
    assert run_batch(warehouse, load_sources(sources), clock=fixed_clock, force=True).status == "succeeded"
    assert snapshot(warehouse, tables) == before

    champions = {
        r["model"]: r["version"]
        for r in _rows(warehouse, "SELECT * FROM model_registry WHERE status = 'champion'")
    }
    decisions = run_retrain_job(settings, clock=fixed_clock, force=True)
    assert decisions is not None and {d.model for d in decisions} == MODELS
    assert sorted(d.model for d in decisions) == sorted(MODELS)  # each model once again
    for decision in decisions:
        # Retrained on the same data with the same seeds: not better on the same holdout, so no promotion.
        assert decision.status == "challenger" and decision.champion_version == champions[decision.model]
        assert "on the same holdout" in decision.reason
    registry = _rows(warehouse, "SELECT model, version, status, decision FROM model_registry ORDER BY 1, 2")
    assert [(r["model"], r["version"], r["status"]) for r in registry] == [
        (m, v, "champion" if v == 1 else "challenger") for m in sorted(MODELS) for v in (1, 2)
    ]
    assert snapshot(warehouse, ["mart_customer_score"]) == {
        "mart_customer_score": before["mart_customer_score"]
    }


def test_firmographics_say_which_contacts_the_customers_records_hold(
    scored: tuple[Warehouse, Settings, Path],
) -> None:
    """The lead model's contact flags, asked of the database, agree with the staged records read in full."""
    warehouse, _, _ = scored
    s, x = stg_customer, customer_xref
    held: dict[int, dict[str, float]] = {}
    query = sa.select(x.c.customer_key, s.c.website, s.c.email, s.c.phone).join(
        s, (s.c.source == x.c.source) & (s.c.source_key == x.c.source_key)
    )
    for row in warehouse.rows(query.where(s.c.entity.in_(["Lead", "Listing", "Profile"]))):
        flags = held.setdefault(row["customer_key"], dict.fromkeys(CONTACTS, 0.0))
        for name in CONTACTS:
            flags[name] = max(flags[name], float(row[name] is not None))  # decrypted: there or not
    with warehouse.engine.connect() as conn:
        frame = _firmographics(conn).set_index("customer_id")
    assert set(frame.index) == set(held) and len(held) > 50
    assert {c: {n: frame.at[c, f"has_{n}"] for n in CONTACTS} for c in held} == held
    assert 0 < frame["has_email"].sum() < len(frame)  # some have an e-mail, some do not: the flags tell
