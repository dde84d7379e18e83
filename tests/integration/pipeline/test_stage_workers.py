"""Staging in worker processes writes exactly what staging in process writes, and a worker's failure fails the step."""

from __future__ import annotations

import importlib
import json
import logging
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Connection

from pipeline import api_writes, ops
from pipeline.config import load_sources
from pipeline.errors import StepError
from pipeline.records import SourceConfig
from pipeline.runner import run_step
from pipeline.steps.land import land
from pipeline.steps.stage import STAGING_TABLES, stage
from tests.integration.pipeline.conftest import FIXED_NOW, copy_demo, fixed_clock
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import land_record, metadata, ops_step_run, stg_customer, stg_deletion

CHUNK = 50  # the 150-customer demo lands ~2,000 records: QuickBooks is many chunks, the campaigns one
COMPARED = [
    *(t.name for t in STAGING_TABLES),
    "stg_reject",
    "stg_field_flag",
    "stg_deletion",
    "ops_watermark",
]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.import_module("pipeline.steps.stage"), "CHUNK", CHUNK)


def _sources(root: Path) -> list[SourceConfig]:
    return api_writes.with_api_source(load_sources(root / "sources.toml"))


def _land(warehouse: Warehouse, root: Path) -> int:
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, FIXED_NOW, "test", "stage-workers")
        land(conn, load_sources(root / "sources.toml"), batch, FIXED_NOW)
    return batch


def _state(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: sorted((tuple(r) for r in conn.execute(sa.select(metadata.tables[name]))), key=repr)
        for name in COMPARED
    }


def _staged(
    warehouse: Warehouse, root: Path, batch: int, workers: int, keep: bool = False
) -> tuple[Any, ...]:
    """Stage with ``workers``; returns the step's result and every staging table, rejects, flags, watermarks."""
    with warehouse.engine.connect() as conn:
        tx = conn.begin()
        result = stage(conn, _sources(root), batch, workers=workers)
        state = _state(conn)
        tx.commit() if keep else tx.rollback()
    return result, state


def _drop_leads(root: Path, count: int) -> None:
    path = root / "sheets" / "leads.xlsx"
    book = load_workbook(path)
    book["Leads"].delete_rows(2, count)
    book.save(path)


def test_workers_stage_the_same_rows_rejects_flags_deletions_and_watermarks(
    warehouse: Warehouse,
    demo_sources: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    upgrade(warehouse)
    saved = (root / "sheets" / "leads.xlsx").read_bytes()
    caplog.set_level(logging.INFO)
    stages, logs = [], []
    # the first batch; then three leads deleted from the workbook (tombstones); then back again (revived),
    # in chunks small enough that each batch has more than one
    for change, chunk in (
        (lambda: None, CHUNK),
        (lambda: _drop_leads(root, 3), 1),
        (lambda: (root / "sheets" / "leads.xlsx").write_bytes(saved), 1),
    ):
        change()
        monkeypatch.setattr(importlib.import_module("pipeline.steps.stage"), "CHUNK", chunk)
        batch = _land(warehouse, root)
        caplog.clear()
        in_process = _staged(warehouse, root, batch, workers=0)
        assert "worker processes" not in caplog.text
        caplog.clear()
        in_workers = _staged(warehouse, root, batch, workers=2, keep=True)
        assert "starting 2 worker processes" in caplog.text
        assert in_workers == in_process
        stages.append(in_process)
        logs.append(caplog.text)
    [(first, _), (deleting, deleted), (reviving, revived)] = stages
    assert first.rows_in > 10 * CHUNK and first.rows_rejected > 0, "the demo's malformed records are rejected"
    assert deleted["stg_reject"] and deleted["stg_field_flag"]
    assert "3 staged rows of records deleted at their source" in str(deleting.message)
    revived_batch = list(stg_deletion.c.keys()).index("revived_batch")
    assert [row[revived_batch] for row in deleted["stg_deletion"]] == [None] * 3
    assert [row[revived_batch] for row in revived["stg_deletion"]] == [batch] * 3
    assert reviving.rows_out == 3
    assert "sales_leads Lead L-000001: deleted at its source" in logs[1], "what workers log is logged"
    assert multiprocessing.active_children() == [], "the workers stopped with the step"


def test_sources_of_two_chunks_or_fewer_are_staged_without_starting_workers(
    warehouse: Warehouse,
    demo_sources: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    upgrade(warehouse)
    batch = _land(warehouse, root)
    with warehouse.engine.connect() as conn:
        largest = max(
            conn.execute(
                sa.select(sa.func.count()).select_from(land_record).group_by(land_record.c.source)
            ).scalars()
        )
    monkeypatch.setattr(importlib.import_module("pipeline.steps.stage"), "CHUNK", largest // 2 + 1)
    caplog.set_level(logging.INFO)
    result, state = _staged(warehouse, root, batch, workers=2)
    assert result.rows_out > 0 and state["stg_customer"]
    assert "worker processes" not in caplog.text, "a small batch does not pay for starting processes"


def _corrupt(warehouse: Warehouse, nth: int) -> None:
    """The ``nth`` landed QuickBooks record's payload is no longer JSON (a damaged row in the landing table)."""
    with warehouse.begin() as conn:
        ids = (
            conn.execute(
                sa.select(land_record.c.land_id)
                .where(land_record.c.source == "quickbooks")
                .order_by(land_record.c.land_id)
            )
            .scalars()
            .all()
        )
        conn.execute(
            land_record.update().where(land_record.c.land_id == ids[nth]).values(payload="{not json")
        )


def test_a_failure_in_a_worker_fails_the_step_as_it_would_in_process_and_rolls_it_back(
    warehouse: Warehouse, demo_sources: Path, tmp_path: Path, small_chunks: None
) -> None:
    root = copy_demo(demo_sources, tmp_path).parent
    upgrade(warehouse)
    _land(warehouse, root)
    _corrupt(warehouse, 5 * CHUNK + 7)  # the sixth chunk: five chunks were written before it failed
    errors = {}
    for workers in (0, 2):
        with warehouse.begin() as conn:
            batch = ops.start_batch(conn, FIXED_NOW, "test", f"stage with {workers} workers")
        step = lambda conn, b, now, w=workers: stage(conn, _sources(root), b, workers=w)  # noqa: E731
        with pytest.raises(StepError) as failed:
            run_step(warehouse, batch, "stage", step, fixed_clock)
        assert isinstance(failed.value.__cause__, json.JSONDecodeError)
        errors[workers] = str(failed.value.__cause__)
        assert multiprocessing.active_children() == [], "a failed step leaves no worker processes"
        with warehouse.engine.connect() as conn:
            assert _state(conn)["stg_customer"] == [] and _state(conn)["ops_watermark"] == []
    assert errors[2] == errors[0] and "Expecting property name" in errors[0]
    with warehouse.engine.connect() as conn:
        runs = conn.execute(sa.select(ops_step_run.c.status, ops_step_run.c.message)).all()
        staged = conn.execute(sa.select(sa.func.count()).select_from(stg_customer)).scalar()
    assert [r.status for r in runs] == ["failed", "failed"] and all(errors[0] in r.message for r in runs)
    assert staged == 0, "nothing the failed step wrote is kept"
