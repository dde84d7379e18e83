"""Subject access export: every record the demo's truth links to the person, soft-deleted ones and the event log too."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from pipeline.connectors.changes import TOMBSTONE
from pipeline.events import log as event_log
from tests.integration.privacy.conftest import build, pick_person
from warehouse.engine import Warehouse
from warehouse.privacy import export_subject


def _event_log(warehouse: Warehouse, key: int) -> None:
    """One more event of the person and one of someone else in the interaction log."""
    events = [
        {"event_id": f"visit-{k}", "type": "visit", "schema_version": 1, "occurred_at": "2026-11-27T10:00:00Z",
         "customer_key": k, "source_key": None, "channel": "web", "payload": {"page": "/pricing"}}
        for k in (key, key + 1000)
    ]  # fmt: skip
    event_log.append(warehouse, events, "api")


def test_the_export_holds_every_record_of_the_person(
    built: Warehouse, demo_copy: Path, var_dir: Path, tmp_path: Path
) -> None:
    person = pick_person(built, demo_copy)
    leads = {k for s, e, k in person.records if e == "Lead"}
    assert leads, "the person has a lead in the sales workbook"
    book = load_workbook(demo_copy.parent / "sheets" / "leads.xlsx")  # the source deletes it: a soft delete
    sheet = book["Leads"]
    column = [c.value for c in sheet[1]].index("Lead ID") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=column).value in leads)
    sheet.delete_rows(row)
    book.save(demo_copy.parent / "sheets" / "leads.xlsx")
    assert build(built, demo_copy) == "succeeded"
    _event_log(built, person.customer_key)

    path = export_subject(built, person.customer_key, tmp_path / "export", var_dir, by="steward")

    document = json.loads(path.read_text(encoding="utf-8"))
    exported = {tuple(r.split("|")) for r in document["source_records"]}
    assert exported == set(person.records)
    landing = document["sections"]["landing"]["land_record"]
    assert {(r["source"], r["entity"], r["source_key"]) for r in landing} == set(person.records)
    assert any(TOMBSTONE in r["payload"] for r in landing if r["source_key"] in leads), (
        "the deletion is there"
    )
    sections = document["sections"]
    assert sections["golden"]["dim_customer"][0]["customer_key"] == person.customer_key
    assert {r["field"] for r in sections["golden"]["golden_field"]} >= {"name"}
    assert sections["facts"]["fact_sales_line"] and sections["facts"]["fact_payment"]
    logged = sections["events"]["evt_log"]
    assert {r["event_id"] for r in logged} == {
        e["event_id"] for e in event_log.events_for(built, person.customer_key)
    }
    assert f"visit-{person.customer_key}" in {r["event_id"] for r in logged}
    assert all(r["customer_key"] == person.customer_key for r in logged)
    assert any(r["source_key"] in leads for r in sections["staging"]["stg_deletion"])
    with (path.parent / f"customer-{person.customer_key}" / "fact_payment.csv").open(encoding="utf-8") as f:
        payments = list(csv.DictReader(f))
    assert len(payments) == len(sections["facts"]["fact_payment"])
    with built.engine.connect() as conn:
        requests = conn.execute(sa.text("SELECT kind, status, requested_by FROM privacy_request")).all()
    assert [tuple(r) for r in requests] == [("access", "completed", "steward")]
