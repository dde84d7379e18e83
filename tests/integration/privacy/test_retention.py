"""Retention removes only what is past its period: deleted records after 30 days, rejects after 90, superseded
payloads after 400 (or the periods the settings give); the daily scheduler job runs it with the clock it is given."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from pipeline.scheduler import RETENTION_JOB, create_scheduler, run_retention_job
from settings import get_settings
from tests.integration.pipeline.conftest import FIXED_NOW
from tests.integration.privacy.conftest import build
from warehouse.engine import Warehouse
from warehouse.privacy import apply_retention
from warehouse.schema import evt_log


def _counts(warehouse: Warehouse, lead: str, customer: str) -> dict[str, int]:
    queries = {
        "lead_versions": f"SELECT COUNT(*) FROM land_record WHERE source = 'sales_leads' AND source_key = '{lead}'",
        "lead_deletion": f"SELECT COUNT(*) FROM stg_deletion WHERE source_key = '{lead}'",
        "lead_key_kept": f"SELECT COUNT(*) FROM customer_xref_deleted WHERE source_key = '{lead}'",
        "customer_versions": "SELECT COUNT(*) FROM land_record WHERE source = 'quickbooks'"
        f" AND entity = 'Customer' AND source_key = '{customer}'",
        "rejects": "SELECT COUNT(*) FROM stg_reject",
        "land": "SELECT COUNT(*) FROM land_record",
    }
    with warehouse.engine.connect() as conn:
        return {name: int(conn.execute(sa.text(q)).scalar_one()) for name, q in queries.items()}


def test_retention_removes_only_what_is_past_its_period(
    warehouse: Warehouse, demo_copy: Path, var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = demo_copy.parent
    with (root / "sheets" / "activities.csv").open("a", encoding="utf-8") as f:
        f.write("not a date,call,Harbour Lights Ltd,Jo Bloggs,jo@harbourlights.example,Sophie Patel,hello\n")
    assert build(warehouse, demo_copy) == "succeeded"
    book = load_workbook(root / "sheets" / "leads.xlsx")
    sheet = book["Leads"]
    lead = str(sheet.cell(row=2, column=[c.value for c in sheet[1]].index("Lead ID") + 1).value)
    sheet.delete_rows(2)
    book.save(root / "sheets" / "leads.xlsx")
    page = root / "quickbooks" / "Customer" / "page-00001.json"
    data = json.loads(page.read_text(encoding="utf-8"))
    changed = data["QueryResponse"]["Customer"][0]
    changed["SyncToken"] = str(int(changed["SyncToken"]) + 1)
    page.write_text(json.dumps(data), encoding="utf-8")
    assert build(warehouse, demo_copy) == "succeeded"
    start = _counts(warehouse, lead, changed["Id"])
    assert start["lead_versions"] == 2 and start["lead_deletion"] == 1 and start["customer_versions"] == 2
    assert start["rejects"] >= 1

    dry = apply_retention(warehouse, FIXED_NOW + dt.timedelta(days=500), dry_run=True)
    assert dry.removed["deleted"] >= 3 and dry.removed["rejected"] >= 1 and dry.removed["landing"] == 1
    assert _counts(warehouse, lead, changed["Id"]) == start, "a dry run removes nothing"
    at_29 = FIXED_NOW + dt.timedelta(days=29)
    with warehouse.engine.connect() as conn:  # the batch logged the sales history as events, some years old
        old_events = conn.execute(
            sa.select(sa.func.count())
            .select_from(evt_log)
            .where(evt_log.c.occurred_at < at_29 - dt.timedelta(days=730))
        ).scalar_one()
    assert apply_retention(warehouse, at_29).removed == {
        "deleted": 0,
        "landing": 0,
        "rejected": 0,
        "events": old_events,
    }

    apply_retention(warehouse, FIXED_NOW + dt.timedelta(days=31))
    after_31 = _counts(warehouse, lead, changed["Id"])
    assert after_31["lead_versions"] == after_31["lead_deletion"] == 0
    assert after_31["lead_key_kept"] == 0
    assert after_31["rejects"] == start["rejects"] and after_31["customer_versions"] == 2

    apply_retention(warehouse, FIXED_NOW + dt.timedelta(days=91))
    assert _counts(warehouse, lead, changed["Id"])["rejects"] == 0

    # The daily job, with its clock patched: day 101 is within the default landing period (400 days), so the
    # superseded version stays; with the period set to 100 days it goes, and the latest version stays.
    monkeypatch.setenv("C360_DATABASE_URL", warehouse.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    settings = get_settings()
    assert create_scheduler(settings).get_job(RETENTION_JOB) is not None
    report = run_retention_job(settings, clock=lambda: FIXED_NOW + dt.timedelta(days=101))
    assert report is not None and report.removed["landing"] == 0
    monkeypatch.setenv("C360_RETENTION_LANDING_DAYS", "100")
    get_settings.cache_clear()
    report = run_retention_job(get_settings(), clock=lambda: FIXED_NOW + dt.timedelta(days=101))
    get_settings.cache_clear()
    assert report is not None and report.removed["landing"] == 1
    end = _counts(warehouse, lead, changed["Id"])
    assert end["customer_versions"] == 1 and end["land"] == after_31["land"] - 1
    assert build(warehouse, demo_copy, force=True) == "succeeded"
    assert _counts(warehouse, lead, changed["Id"]) == end, "a batch after retention lands nothing again"
