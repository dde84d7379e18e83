"""The administrators' operations page: batches, step durations, resource use and the monthly cost estimate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from ops.usage import HOURS_PER_MONTH, Usage, monthly_cost
from pipeline import ops as batch_ops
from tests.unit.portal.portal_data import build_portal_warehouse, call_callback, portal_settings, sign_in

START = dt.datetime(2026, 3, 2, 2, 0)


def page(client: FlaskClient, path: str) -> str:
    answer = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", "")],
    )
    assert answer.status_code == 200
    return json.dumps(answer.get_json()["response"]["_pages_content"]["children"], ensure_ascii=False)


@pytest.fixture
def portal_client(tmp_path: Path) -> tuple[FlaskClient, object]:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    with warehouse.begin() as conn:
        first = batch_ops.start_batch(conn, START, "scheduler", "a")
        for i, (step, seconds, rows) in enumerate(
            (("land", 42, (900, 880, 20)), ("stage", 150, (880, 870, 10)))
        ):
            at = START + dt.timedelta(minutes=i * 5)
            batch_ops.start_step(conn, first, step, at)
            batch_ops.finish_step(
                conn,
                first,
                step,
                at + dt.timedelta(seconds=seconds),
                batch_ops.SUCCEEDED,
                batch_ops.StepResult(*rows),
            )
        batch_ops.finish_batch(conn, first, START + dt.timedelta(minutes=12), batch_ops.SUCCEEDED)
    settings = portal_settings(tmp_path).model_copy(
        update={"cost_database_month": 300.0, "cost_vcpu_hour": 0.05, "cost_web_vcpus": 2.0}
    )
    settings.backup_path.mkdir(parents=True)
    (settings.backup_path / "c360-20260301T010000.sqlite").write_bytes(b"\0" * 3 * 1024 * 1024)
    return create_app(settings, warehouse).server.test_client(), settings


def test_administrators_see_batches_steps_resources_and_the_cost_estimate(
    portal_client: tuple[FlaskClient, object],
) -> None:
    client, _settings = portal_client
    sign_in(client, "admin")
    shown = page(client, "/admin/ops")
    assert '"batch": 1' in shown and '"trigger": "scheduler"' in shown and '"took": "12.0 min"' in shown
    assert '"step": "land"' in shown and '"took": "42.0 s"' in shown and '"rejected": "20"' in shown
    assert '"took": "2.5 min"' in shown  # stage: 150 s
    assert "Backups kept" in shown and "3.0 MiB" in shown
    assert "Warehouse size" in shown and "Memory of this server process" in shown
    assert "Warehouse database" in shown and "£300" in shown
    assert "Estimated total: £" in shown


def test_other_roles_are_refused_and_see_no_link(portal_client: tuple[FlaskClient, object]) -> None:
    client, _settings = portal_client
    sign_in(client, "manager")
    shown = page(client, "/admin/ops")
    assert "open to administrators" in shown and "Estimated total" not in shown
    assert "/admin/ops" not in client.get("/_dash-layout").get_data(as_text=True)


def test_the_cost_estimate_multiplies_reserved_capacity_and_sizes_by_unit_prices(tmp_path: Path) -> None:
    settings = portal_settings(tmp_path).model_copy(
        update={
            "cost_web_vcpus": 4.0,
            "cost_vcpu_hour": 0.05,
            "cost_web_gib": 8.0,
            "cost_gib_ram_hour": 0.01,
            "cost_database_month": 350.0,
            "cost_storage_gib_month": 0.10,
            "cost_backup_gib_month": 0.02,
            "cost_kafka_month": 180.0,
            "kafka_bootstrap": "broker:9093",
        }
    )
    gib = 1024**3
    measured = Usage(0, 0.0, 1.0, 0.0, 2, warehouse_bytes=50 * gib, backup_bytes=200 * gib, disk_free_bytes=0)
    lines = {c.item: c.monthly for c in monthly_cost(settings, measured)}
    assert lines["Web tier compute"] == pytest.approx(4 * HOURS_PER_MONTH * 0.05)  # 146.0
    assert lines["Web tier memory"] == pytest.approx(8 * HOURS_PER_MONTH * 0.01)  # 58.4
    assert lines["Warehouse storage"] == pytest.approx(5.0)
    assert lines["Backups"] == pytest.approx(4.0)
    assert lines["Kafka (events)"] == 180.0
    assert sum(lines.values()) == pytest.approx(146.0 + 58.4 + 350.0 + 5.0 + 4.0 + 180.0)
