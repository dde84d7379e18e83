"""A later batch reads only the parts of its sources that changed, and ends exactly as reading everything would."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline import deletions, ops
from pipeline.config import load_sources
from pipeline.records import SourceConfig
from pipeline.recovery import abandon
from pipeline.runner import BatchOutcome, run_batch
from pipeline.steps import land
from tests.conftest import fresh_pg_database
from tests.integration.pipeline.conftest import FirstBatch, copy_demo, fixed_clock, snapshot
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.privacy.erase import erase_subject
from warehouse.schema import ops_land_part


@pytest.fixture()
def reference_url(warehouse_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second empty warehouse on the same dialect, for the batches that read everything."""
    if warehouse_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'reference.db'}"
        return
    with fresh_pg_database(str(request.getfixturevalue("postgres_url"))) as url:
        yield url


def later() -> dt.datetime:
    """A steward's time: after the batches' fixed clock."""
    return fixed_clock() + dt.timedelta(minutes=5)


def _run(warehouse: Warehouse, root: Path, force: bool = False) -> BatchOutcome:
    upgrade(warehouse)
    return run_batch(warehouse, load_sources(root / "sources.toml"), clock=fixed_clock, force=force)


def change_customers(root: Path, every: int = 10, drop: int = 1) -> int:
    """Customers whose ``Id`` is a multiple of ``every`` change their phone; the first ``drop`` others leave."""
    changed = 0
    for page in sorted((root / "quickbooks" / "Customer").glob("page-*.json")):
        body = json.loads(page.read_text(encoding="utf-8"))
        objects = body["QueryResponse"]["Customer"]
        kept = []
        for obj in objects:
            if int(obj["Id"]) % every == 0:
                phone = (obj.get("PrimaryPhone") or {}).get("FreeFormNumber") or "07000000000"
                obj["PrimaryPhone"] = {"FreeFormNumber": phone[:-1] + str((int(phone[-1]) + 1) % 10)}
                changed += 1
            elif drop > 0:
                drop -= 1
                continue
            kept.append(obj)
        body["QueryResponse"]["Customer"] = kept
        page.write_text(json.dumps(body, separators=(",", ":")), encoding="utf-8")
    return changed


def break_invoices(root: Path) -> str:
    """A page of invoices that is not JSON, after the last one; returns its name."""
    pages = sorted((root / "quickbooks" / "Invoice").glob("page-*.json"))
    broken = pages[-1].with_name(f"page-{len(pages) + 1:05d}.json")
    broken.write_text('{"QueryResponse": {"Invoice": [', encoding="utf-8")
    return broken.name


def read_by(warehouse: Warehouse) -> dict[tuple[str, str], int]:
    """(source, part) -> the batch that last read it."""
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(ops_land_part.c.source, ops_land_part.c.part, ops_land_part.c.batch_id))
        return {(r.source, r.part): r.batch_id for r in rows}


def test_a_second_batch_reading_only_changed_parts_ends_as_reading_everything(
    warehouse: Warehouse, reference_url: str, demo_sources: Path, tmp_path: Path
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    broken = break_invoices(root)
    reference = Warehouse.from_url(reference_url)
    try:
        assert broken in _run(warehouse, root).warnings
        assert _run(reference, root, force=True).status == "succeeded"
        assert change_customers(root) > 0

        skipping = _run(warehouse, root)
        everything = _run(reference, root, force=True)
        assert skipping.status == everything.status == "succeeded"
        assert skipping.warnings == everything.warnings  # unreadable parts still named in every batch
        assert (
            f"quickbooks Invoice: read incomplete, nothing of it deleted: Invoice/{broken}"
            in skipping.warnings
        )

        parts = read_by(warehouse)
        assert parts[("quickbooks", "Customer")] == 2
        assert parts[("quickbooks", "Payment")] == 1, "the unchanged payments were not read again"
        assert ("quickbooks", "Invoice") not in parts, "a part read incomplete is read again"
        assert set(read_by(reference).values()) == {2}, "--force reads every part"
        assert snapshot(warehouse) == snapshot(reference)
        with warehouse.engine.connect() as conn:
            rows_in = conn.execute(sa.text(
                "SELECT batch_id, rows_in FROM ops_step_run WHERE step = 'land' ORDER BY batch_id")).all()  # fmt: skip
        with reference.engine.connect() as conn:
            expected = conn.execute(sa.text(
                "SELECT batch_id, rows_in FROM ops_step_run WHERE step = 'land' ORDER BY batch_id")).all()  # fmt: skip
        assert rows_in == expected, "the land step still counts every record of the input"
    finally:
        reference.engine.dispose()


def test_a_stewards_decision_or_an_erasure_has_every_part_read_again_with_the_same_end(
    demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    skipping = first_batch.copy_into(Warehouse.from_url(f"sqlite:///{tmp_path / 'skipping.db'}"))
    reference = first_batch.copy_into(Warehouse.from_url(f"sqlite:///{tmp_path / 'reference.db'}"))
    try:
        change_customers(root, every=10**9, drop=20)  # a mass deletion: held for a steward
        for warehouse, force in ((skipping, False), (reference, True)):
            assert "held for approval" in _run(warehouse, root, force).warnings
        assert read_by(skipping)[("quickbooks", "Payment")] == 1
        for warehouse in (skipping, reference):
            with warehouse.begin() as conn:
                (hold,) = deletions.holds(conn, deletions.HELD)
                assert deletions.decide(conn, int(hold["hold_id"]), True, "steward", later()) == 20
                erased = conn.execute(sa.text(
                    "SELECT MIN(customer_key) FROM customer_xref WHERE source = 'quickbooks'")).scalar_one()  # fmt: skip
            erase_subject(warehouse, int(erased), "steward", "asked by e-mail", now=later)

        for warehouse, force in ((skipping, False), (reference, True)):
            assert _run(warehouse, root, force).status == "succeeded"
        assert {p: b for p, b in read_by(skipping).items() if p[0] == "quickbooks"} == {
            ("quickbooks", e): 3
            for e in ("Customer", "Item", "Payment", "PaymentMethod", "SalesReceipt", "Invoice")
        }, "the approval and the erasure since batch 2 have every QuickBooks part read again"
        assert snapshot(skipping) == snapshot(reference)
    finally:
        skipping.engine.dispose()
        reference.engine.dispose()


def test_parts_read_by_an_abandoned_batch_are_read_again(
    demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    warehouse = first_batch.copy_into(Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}"))
    try:
        changed = change_customers(root)
        sources = load_sources(root / "sources.toml")

        def stop(batch: int, step: str) -> None:
            if step == "stage":
                raise RuntimeError("stopped after stage")

        with pytest.raises(RuntimeError, match="stopped after stage"):
            run_batch(warehouse, sources, clock=fixed_clock, on_step_done=stop)
        abandon(warehouse, 2, sources, clock=fixed_clock)
        assert _run(warehouse, root).batch_id == 3
        with warehouse.engine.connect() as conn:
            landed = conn.execute(sa.text(
                "SELECT COUNT(*) FROM land_record WHERE batch_id = 3 AND entity = 'Customer'")).scalar_one()  # fmt: skip
        assert landed == changed + 1, "the changes and the deletion the abandoned batch landed land again"
        assert read_by(warehouse)[("quickbooks", "Payment")] == 1
    finally:
        warehouse.engine.dispose()


def test_an_entity_dropped_from_the_config_is_still_named_while_the_others_are_left_unread(
    demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    warehouse = first_batch.copy_into(Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}"))
    try:
        toml = root / "sources.toml"
        toml.write_text(toml.read_text("utf-8").replace('"Customer", "Item",', '"Customer",'), "utf-8")
        kept = "quickbooks Item: nothing read from"
        assert kept in _run(warehouse, root).warnings
        change_customers(root)
        third = _run(warehouse, root)
        assert kept in third.warnings, "the dropped entity's records are still kept, and said so"
        assert read_by(warehouse)[("quickbooks", "Payment")] == 2
        assert ("quickbooks", "Item") not in read_by(warehouse)
        with warehouse.engine.connect() as conn:
            items = conn.execute(sa.text(
                "SELECT COUNT(*) FROM stg_product WHERE source = 'quickbooks'")).scalar_one()  # fmt: skip
        assert items > 0, "nothing of the dropped entity was deleted"
    finally:
        warehouse.engine.dispose()


def _land_once(warehouse: Warehouse, source: SourceConfig, reuse: bool = True) -> int:
    """One land step in a batch of its own; returns the versions it landed."""
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, fixed_clock(), "test", "x")
        landed = land(conn, [source], batch, fixed_clock(), reuse=reuse).rows_out
        ops.finish_batch(conn, batch, fixed_clock(), ops.SUCCEEDED, None)
    return landed


def test_a_sheet_with_a_key_twice_is_read_every_time_as_before(tmp_path: Path) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Lead ID,Name\n1,Ann\n2,Bob\n1,Anne\n", encoding="utf-8")
    leads = SourceConfig("leads", "spreadsheet", sheet, {"entity": "Lead", "key_column": "Lead ID"})
    (tmp_path / "tidy.csv").write_text("Lead ID,Name\n1,Ann\n", encoding="utf-8")
    tidy = SourceConfig(
        "tidy", "spreadsheet", tmp_path / "tidy.csv", {"entity": "Lead", "key_column": "Lead ID"}
    )
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    try:
        upgrade(warehouse)
        assert _land_once(warehouse, leads) == 3
        # the two versions of lead 1 take turns as its latest, so each read lands them again
        assert _land_once(warehouse, leads) == _land_once(warehouse, leads, reuse=False) == 2
        assert _land_once(warehouse, tidy) == 1
        assert _land_once(warehouse, tidy) == 0
        assert set(read_by(warehouse)) == {("tidy", "*")}, "only a clean read is kept"
    finally:
        warehouse.engine.dispose()
