"""A record deleted at its source leaves staging, the golden records and the facts; nothing else moves."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import FirstBatch, copy_demo, fixed_clock, staged_leads
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade


def _copy(demo_sources: Path, tmp_path: Path) -> Path:
    return copy_demo(demo_sources, tmp_path).parent


def _run(warehouse: Warehouse, root: Path) -> str:
    upgrade(warehouse)
    return run_batch(warehouse, load_sources(root / "sources.toml"), clock=fixed_clock).status


def test_a_row_deleted_from_the_workbook_is_deleted_in_the_warehouse(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    root = _copy(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    before = staged_leads(warehouse)
    book = load_workbook(root / "sheets" / "leads.xlsx")
    sheet = book["Leads"]
    header = [c.value for c in sheet[1]]
    gone = str(sheet.cell(row=2, column=header.index("Lead ID") + 1).value)
    sheet.delete_rows(2)
    book.save(root / "sheets" / "leads.xlsx")

    assert _run(warehouse, root) == "succeeded"
    after = staged_leads(warehouse)
    with warehouse.engine.connect() as conn:
        landed = conn.execute(sa.text(
            "SELECT source_key FROM land_record WHERE source = 'sales_leads' AND batch_id = 2")).scalars().all()  # fmt: skip
        events = conn.execute(sa.text(
            "SELECT customer_key, reason FROM identity_event WHERE batch_id = 2 AND kind = 'removed'")).all()  # fmt: skip
    assert landed == [gone], "only the deleted row lands, as its tombstone"
    assert gone in before and after == {k: v for k, v in before.items() if k != gone}
    assert [e.customer_key for e in events] == [before[gone]]


def test_an_export_that_reads_empty_refuses_to_delete_everything(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    root = _copy(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    before = staged_leads(warehouse)
    book = load_workbook(root / "sheets" / "leads.xlsx")
    book["Leads"].delete_rows(2, book["Leads"].max_row)
    book.save(root / "sheets" / "leads.xlsx")

    outcome = run_batch(warehouse, load_sources(root / "sources.toml"), clock=fixed_clock)
    assert outcome.status == "succeeded"
    assert "sales_leads Lead: nothing read from" in outcome.warnings
    assert staged_leads(warehouse) == before, "nothing was deleted"


def test_an_entity_dropped_from_the_config_is_kept_not_deleted(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    root = _copy(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    with warehouse.engine.connect() as conn:
        products = conn.execute(
            sa.text("SELECT COUNT(*) FROM stg_product WHERE source = 'quickbooks'")
        ).scalar()
    toml = root / "sources.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text.replace('"Customer", "Item",', '"Customer",'), "utf-8")

    assert _run(warehouse, root) == "succeeded"
    with warehouse.engine.connect() as conn:
        after = conn.execute(sa.text("SELECT COUNT(*) FROM stg_product WHERE source = 'quickbooks'")).scalar()
        landed = conn.execute(sa.text("SELECT COUNT(*) FROM land_record WHERE batch_id = 2")).scalar()
    assert products and after == products, "items no longer read are not taken as deleted"
    assert landed == 0
