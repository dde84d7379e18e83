"""The fault matrix: every source's files damaged every way a file gets damaged; nothing committed is lost.

For each source of the demo and each fault (empty, truncated, wrong shape, wrong encoding, garbage
bytes, a page missing from a paged set, the file missing), the input-reading steps (land and stage) run
over the damaged files: every row of every staging and core table must still be there unchanged (only
rejects of the damaged source may be added), and the step's warnings must name the file. Then the file
is put back and the next run must give exactly the tables of the clean run. ``test_a_damaged_file_*``
runs the whole batch the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from pipeline import ops
from pipeline.config import load_sources
from pipeline.records import SourceConfig
from pipeline.runner import run_batch, run_step, steps_for
from tests.integration.pipeline.conftest import DATA_TABLES, FirstBatch, copy_demo, fixed_clock, snapshot
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import metadata

# Lineage columns say which landing a row came from; a record landed again after a repair keeps its values.
LINEAGE = {"land_id", "batch_id"}
HISTORY = {"land_record", "stg_deletion"}  # append-only history: damaged versions stay there, by design
COMPARED = [t for t in DATA_TABLES if t not in HISTORY]

# The file of each source that the faults damage, and a page of a paged set (None: not paged).
TARGETS: dict[str, tuple[str, str | None]] = {
    "quickbooks": ("quickbooks/Invoice/page-00001.json", "quickbooks/Invoice/page-00001.json"),
    "sales_leads": ("sheets/leads.xlsx", None),
    "sales_activities": ("sheets/activities.csv", None),
    "instagram": ("instagram/profiles.jsonl", None),
    "directory": ("directory/page-1.html", "directory/page-2.html"),
    "campaigns": ("campaigns/campaigns.csv", None),
}


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _wrong_shape(path: Path) -> None:
    if path.suffix == ".xlsx":  # a workbook, but not the one the source names
        book = Workbook()
        book.active.title = "Summary"  # type: ignore[union-attr]
        book.active.append(["total", 12])  # type: ignore[union-attr]
        book.save(path)
        return
    shapes = {
        ".json": '{"QueryResponse": {"Invoice": {"Id": "1"}}, "time": "2026-11-27T10:00:00-07:00"}',
        ".jsonl": '[1, 2, 3]\n{"graphql": []}\n',
        ".csv": '{"rows": [["not", "a", "table"]]}\n',
        ".html": '{"results": []}',
    }
    path.write_text(shapes[path.suffix], encoding="utf-8")


def _wrong_encoding(path: Path) -> None:
    if path.suffix == ".xlsx":  # a CSV export saved under the workbook's name
        path.write_text("Lead ID,Company\r\nL1,Acme\r\n", encoding="cp1252")
        return
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-16")  # with its byte-order mark


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(path.name).randbytes(max(path.stat().st_size, 64)))


def _missing(path: Path) -> None:
    path.unlink()


FAULTS: dict[str, Callable[[Path], None]] = {
    "empty": _empty,
    "truncated": _truncated,
    "wrong_shape": _wrong_shape,
    "wrong_encoding": _wrong_encoding,
    "garbage": _garbage,
    "missing_page": _missing,
    "missing_file": _missing,
}


def _copy(demo_sources: Path, tmp_path: Path) -> Path:
    toml = copy_demo(demo_sources, tmp_path)
    _paginate(toml.parent / "quickbooks" / "Invoice", "Invoice")
    return toml


def _paginate(folder: Path, entity: str) -> None:
    """Split a one-page QuickBooks export into two pages, as a paged query returns a larger company."""
    first = folder / "page-00001.json"
    body = json.loads(first.read_text(encoding="utf-8"))
    objects = body["QueryResponse"][entity]
    half = len(objects) // 2
    for number, part in ((1, objects[:half]), (2, objects[half:])):
        page = {**body, "QueryResponse": {**body["QueryResponse"], entity: part, "maxResults": len(part)}}
        (folder / f"page-{number:05d}.json").write_text(json.dumps(page), encoding="utf-8")


def _land_and_stage(
    warehouse: Warehouse, sources: list[SourceConfig], clock: Callable[[], dt.datetime]
) -> str:
    """A batch of the two steps that read input; returns the land step's warnings."""
    with warehouse.begin() as conn:
        batch_id = ops.start_batch(conn, clock(), "test", "fault-matrix")
    for name, step in steps_for(sources)[:2]:
        run_step(warehouse, batch_id, name, step, clock)
    with warehouse.begin() as conn:
        warnings = ops.step_messages(conn, batch_id, ("land",))
        ops.finish_batch(conn, batch_id, clock(), ops.SUCCEEDED, warnings or None)
    return warnings


def _data(warehouse: Warehouse, tables: list[str] = COMPARED) -> dict[str, set[tuple[Any, ...]]]:
    """Each table's rows without their lineage columns."""
    state = snapshot(warehouse, tables)
    result = {}
    for name, rows in state.items():
        keep = [i for i, c in enumerate(metadata.tables[name].columns) if c.name not in LINEAGE]
        result[name] = {tuple(row[i] for i in keep) for row in rows}
    return result


def _ticking() -> Callable[[], dt.datetime]:
    now = [dt.datetime(2026, 11, 27, 23, 0)]

    def clock() -> dt.datetime:
        now[0] += dt.timedelta(seconds=1)
        return now[0]

    return clock


@pytest.mark.parametrize("source", sorted(TARGETS))
def test_every_fault_of_a_source_loses_nothing_and_a_repair_equals_a_clean_run(
    warehouse: Warehouse, demo_sources: Path, tmp_path: Path, source: str
) -> None:
    toml = _copy(demo_sources, tmp_path)
    root = toml.parent
    sources = load_sources(toml)
    upgrade(warehouse)
    clock = _ticking()
    _land_and_stage(warehouse, sources, clock)
    clean = _data(warehouse)
    target, paged = TARGETS[source]
    for fault, damage in FAULTS.items():
        name = paged if fault == "missing_page" else target
        if name is None:
            continue
        path = root / name
        good = path.read_bytes()
        damage(path)

        warnings = _land_and_stage(warehouse, sources, clock)
        after = _data(warehouse)
        for table, rows in clean.items():
            lost = rows - after[table]
            assert not lost, (
                f"{source} {fault}: {len(lost)} rows of {table} deleted or changed, e.g. {next(iter(lost))}"
            )
            added = after[table] - rows
            if table == "stg_reject":
                assert {r[0] for r in added} <= {source}, f"{source} {fault}: rejects of other sources"
            else:
                assert not added, f"{source} {fault}: {len(added)} rows added to {table}"
        if fault != "wrong_encoding":  # text in another encoding is read right: nothing to report
            assert (
                Path(name).name in warnings or f"nothing read from {root / Path(name).parts[0]}" in warnings
            ), f"{source} {fault}: the warnings do not name {name}: {warnings!r}"

        path.write_bytes(good)
        assert _land_and_stage(warehouse, sources, clock) == ""
        assert _data(warehouse) == clean, (
            f"{source} {fault}: after the repair the tables differ from a clean run"
        )


def test_a_damaged_file_leaves_every_table_and_the_repair_runs_the_whole_batch_clean(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    page = toml.parent / "quickbooks" / "Customer" / "page-00001.json"
    first_batch.copy_into(warehouse)  # the clean first batch of these files
    clean = _data(warehouse, DATA_TABLES)
    good = page.read_bytes()

    page.write_bytes(b"")  # the fault of the report: one Customer page emptied
    outcome = run_batch(warehouse, load_sources(toml), clock=fixed_clock)
    assert outcome.status == "succeeded"
    assert "Customer/page-00001.json: empty file" in outcome.warnings
    after = _data(warehouse, DATA_TABLES)
    for table in COMPARED:
        if table != "stg_reject":
            assert after[table] == clean[table], f"{table} changed"
    with warehouse.engine.connect() as conn:
        revenue = conn.execute(sa.text("SELECT SUM(amount) FROM fact_sales_line")).scalar()
    assert revenue and revenue > 0

    page.write_bytes(good)
    assert run_batch(warehouse, load_sources(toml), clock=fixed_clock).status == "succeeded"
    repaired = _data(warehouse, COMPARED)
    assert repaired == {t: clean[t] for t in COMPARED}


def test_text_in_a_legacy_encoding_is_read_as_such_not_with_replacement_characters(
    warehouse: Warehouse, demo_sources: Path, tmp_path: Path
) -> None:
    toml = _copy(demo_sources, tmp_path)
    campaigns = toml.parent / "campaigns" / "campaigns.csv"
    text = campaigns.read_text(encoding="utf-8")
    header, first, *rest = text.splitlines(keepends=True)
    fields = first.split(",")
    fields[1] = "Café £5 off"  # the campaign's name
    campaigns.write_bytes((header + ",".join(fields) + "".join(rest)).encode("cp1252"))
    upgrade(warehouse)
    assert _land_and_stage(warehouse, load_sources(toml), fixed_clock) == ""  # read, and nothing to report
    with warehouse.engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM stg_campaign")).scalars().all()
    assert "Café £5 off" in names
    assert not any("\ufffd" in n for n in names)


def test_an_undecodable_file_is_one_reject_naming_it(tmp_path: Path) -> None:
    from pipeline.connectors.files import read_csv

    path = tmp_path / "daily.csv"
    path.write_bytes(bytes(range(256)) * 3)  # NUL and control bytes: no text in any encoding
    rows = list(read_csv(path))
    assert len(rows) == 1 and rows[0].values is None
    assert rows[0].error is not None and rows[0].error.startswith("daily.csv: not UTF-8")
