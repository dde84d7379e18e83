"""The monitoring endpoints a cluster scrapes and probes, on the real portal server and a real warehouse."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import socket
from pathlib import Path

import pytest
from dash import Dash
from flask import abort

from app import create_app
from ops import configure_logging, readiness
from pipeline import ops as batch_ops
from pipeline.errors import StepError
from pipeline.runner import run_step
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings, sign_in
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import model_registry

NOW = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return build_portal_warehouse(tmp_path_factory.mktemp("ops") / "warehouse.db")


@pytest.fixture
def portal(warehouse: Warehouse, tmp_path: Path) -> Dash:
    return create_app(portal_settings(tmp_path), warehouse)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus' text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_probes_answer_without_signing_in(portal: Dash) -> None:
    client = portal.server.test_client()
    assert client.get("/healthz").get_json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"warehouse": "ok"}}


def test_readiness_fails_when_the_configured_kafka_broker_is_down(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    settings = portal_settings(tmp_path).model_copy(update={"kafka_bootstrap": f"127.0.0.1:{_closed_port()}"})
    answer = create_app(settings, warehouse).server.test_client().get("/readyz")
    assert answer.status_code == 503
    checks = answer.get_json()["checks"]
    assert checks["warehouse"] == "ok"
    assert checks["kafka"].startswith("kafka unreachable")


def test_readiness_fails_when_the_warehouse_is_unreachable() -> None:
    gone = Warehouse.from_url(f"postgresql+psycopg://c360@127.0.0.1:{_closed_port()}/c360?connect_timeout=2")
    checks = readiness(gone, "")
    assert checks["warehouse"].startswith("warehouse unreachable")


def test_metrics_still_answer_when_the_warehouse_is_unreachable(tmp_path: Path) -> None:
    gone = Warehouse.from_url(f"postgresql+psycopg://c360@127.0.0.1:{_closed_port()}/c360?connect_timeout=2")
    server = create_app(portal_settings(tmp_path), gone).server
    answer = server.test_client().get("/metrics")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "c360_http_requests_total" in text
    assert "c360_outbox_backlog " not in text  # not read, so not reported as zero


def test_metrics_time_every_route_by_its_rule_including_routes_added_later(portal: Dash) -> None:
    server = portal.server

    @server.route("/reports/probe/<int:key>")
    def probe(key: int) -> dict[str, int]:
        if key == 0:
            abort(500)
        return {"key": key}

    client = server.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    rule = "/reports/probe/<int:key>"
    sign_in(client, "manager")
    for key in (1, 2, 3):
        assert client.get(f"/reports/probe/{key}").status_code == 200
    assert client.get("/reports/probe/0").status_code == 500
    assert client.get("/api/health").status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert "text/plain" in client.get("/metrics").content_type

    def grew(name: str, **labels: str) -> float:
        return _sample(text, name, **labels) - _sample(before, name, **labels)

    assert grew("c360_http_request_duration_seconds_count", endpoint=rule, method="GET") == 4
    assert grew("c360_http_requests_total", endpoint=rule, method="GET", status="2xx") == 3
    assert grew("c360_http_request_errors_total", endpoint=rule, method="GET") == 1
    assert grew("c360_http_request_duration_seconds_count", endpoint="/api/health", method="GET") == 1
    assert "/reports/probe/1" not in text  # one series per rule, not per key


def test_metrics_show_each_models_champion_metric_and_its_drift(portal: Dash, warehouse: Warehouse) -> None:
    def version(n: int, status: str, auc: float) -> dict[str, object]:
        return {
            "model": "churn_ops_test",
            "version": n,
            "status": status,
            "algorithm": "xgboost",
            "trained_at": NOW,
            "rows": 100,
            "features": "[]",
            "metrics": json.dumps({"auc": auc, "brier": 0.1}),
            "holdout": "25% of customers",
        }

    with warehouse.begin() as conn:
        insert_rows(conn, model_registry, [version(1, "champion", 0.81), version(2, "challenger", 0.74)])
    text = portal.server.test_client().get("/metrics").get_data(as_text=True)
    assert _sample(text, "c360_model_metric", model="churn_ops_test", metric="auc") == pytest.approx(0.81)
    drift = _sample(text, "c360_model_metric_drift", model="churn_ops_test", metric="auc")
    assert drift == pytest.approx(-0.07)


def test_pipeline_steps_report_duration_rows_and_rejects(portal: Dash, warehouse: Warehouse) -> None:
    client = portal.server.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    with warehouse.begin() as conn:
        batch = batch_ops.start_batch(conn, NOW, "test", "fingerprint")

    def stage(_conn: object, _batch: int, _now: dt.datetime) -> batch_ops.StepResult:
        return batch_ops.StepResult(rows_in=120, rows_out=117, rows_rejected=3)

    def broken(_conn: object, _batch: int, _now: dt.datetime) -> batch_ops.StepResult:
        raise ValueError("a source file is unreadable")

    run_step(warehouse, batch, "stage", stage, lambda: NOW)
    with pytest.raises(StepError):
        run_step(warehouse, batch, "match", broken, lambda: NOW)
    text = client.get("/metrics").get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return _sample(text, name, **labels) - _sample(before, name, **labels)

    assert grew("c360_pipeline_step_rows_total", step="stage", kind="in") == 120
    assert grew("c360_pipeline_step_rows_total", step="stage", kind="rejected") == 3
    assert grew("c360_pipeline_step_duration_seconds_count", step="stage", status="succeeded") == 1
    assert grew("c360_pipeline_step_duration_seconds_count", step="match", status="failed") == 1
    assert grew("c360_pipeline_batches_total", status="failed") == 1


def test_json_logs_carry_the_request_id_which_the_answer_echoes(
    warehouse: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = portal_settings(tmp_path).model_copy(update={"kafka_bootstrap": f"127.0.0.1:{_closed_port()}"})
    client = create_app(settings, warehouse).server.test_client()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", "json")
        answer = client.get("/readyz", headers={"X-Request-ID": "req-42.a"})
        generated = client.get("/healthz").headers["X-Request-ID"]
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert answer.headers["X-Request-ID"] == "req-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    not_ready = [e for e in lines if e["message"].startswith("not ready")]
    assert not_ready and not_ready[0]["request_id"] == "req-42.a"
    assert not_ready[0]["level"] == "WARNING" and not_ready[0]["logger"] == "ops.health"


def test_json_logs_of_a_pipeline_step_carry_its_batch_id(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    with warehouse.begin() as conn:
        batch = batch_ops.start_batch(conn, NOW, "test", "fingerprint-logs")

    def stage(_conn: object, _batch: int, _now: dt.datetime) -> batch_ops.StepResult:
        logging.getLogger("pipeline.steps.stage").info("staged the rows")
        return batch_ops.StepResult(rows_in=1, rows_out=1)

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", "json")
        run_step(warehouse, batch, "stage", stage, lambda: NOW)
        logging.getLogger("test").info("after the step")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    inside = next(e for e in lines if e["message"] == "staged the rows")
    assert inside["batch_id"] == batch and inside["logger"] == "pipeline.steps.stage"
    assert "batch_id" not in next(e for e in lines if e["message"] == "after the step")
