"""Held deletions, revived records, one run at a time, and getting out of a failed batch."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from pipeline import deletions
from pipeline.config import load_sources
from pipeline.lock import LockHeld, LockSettings, RunLock
from pipeline.recovery import abandon, status_report
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import (
    DATA_TABLES,
    ROOT,
    FirstBatch,
    copy_demo,
    fixed_clock,
    snapshot,
    staged_leads,
)
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import metadata, ops_audit_log, ops_batch_run, ops_run_lock, ops_step_run, stg_deletion

HISTORY = {"land_record", "stg_deletion", "customer_xref_deleted"}


def _run(warehouse: Warehouse, toml: Path) -> str:
    upgrade(warehouse)
    return run_batch(warehouse, load_sources(toml), clock=fixed_clock).warnings


def _drop_leads(toml: Path, share: float = 0.0, count: int = 0) -> list[str]:
    """Delete the first ``share`` (or ``count``) of the lead rows from the workbook; returns their Lead IDs."""
    path = toml.parent / "sheets" / "leads.xlsx"
    book = load_workbook(path)
    sheet = book["Leads"]
    column = [c.value for c in sheet[1]].index("Lead ID") + 1
    count = count or int((sheet.max_row - 1) * share)
    gone = [str(sheet.cell(row=r, column=column).value) for r in range(2, 2 + count)]
    sheet.delete_rows(2, count)
    book.save(path)
    return gone


def _audit(warehouse: Warehouse) -> list[tuple[str, str, str]]:
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(ops_audit_log.c.actor, ops_audit_log.c.action, ops_audit_log.c.object))
        return [tuple(r) for r in rows]


def test_a_batch_deleting_30_percent_is_held_and_approving_applies_it(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    before = staged_leads(warehouse)
    gone = _drop_leads(toml, 0.3)

    warnings = _run(warehouse, toml)
    assert "sales_leads Lead:" in warnings and "held for approval (hold 1)" in warnings
    assert staged_leads(warehouse) == before, "held deletions are not applied"
    with warehouse.begin() as conn:
        [held] = deletions.holds(conn, deletions.HELD)
    assert held["records"] == len(gone) and held["live_records"] >= len(before)  # rejected leads count too
    assert "leads.xlsx" in held["evidence"]
    assert _run(warehouse, toml) == "", "the same absences are not held twice"

    with warehouse.begin() as conn:
        later = fixed_clock() + dt.timedelta(hours=1)  # a steward decides after the batch
        assert deletions.decide(conn, held["hold_id"], True, "steward", later) == len(gone)
    _run(warehouse, toml)  # the decision is news: the batch runs although the files did not change
    assert staged_leads(warehouse) == {k: v for k, v in before.items() if k not in gone}
    with warehouse.engine.connect() as conn:
        kept = conn.execute(sa.select(stg_deletion.c.source_key, stg_deletion.c.staged_rows)).all()
    assert sorted(k for k, _ in kept) == sorted(gone), "each deleted record is kept, with its staged rows"
    assert all(json.loads(rows)["stg_customer"] for _, rows in kept)
    assert _audit(warehouse) == [("steward", "deletions.approved", "ops_deletion_hold:1")]


def test_discarding_held_deletions_keeps_the_records(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    before = staged_leads(warehouse)
    _drop_leads(toml, 0.3)
    _run(warehouse, toml)
    with warehouse.begin() as conn:
        assert deletions.decide(conn, 1, False, "steward", fixed_clock()) == 0
        with pytest.raises(deletions.HoldError, match="already discarded"):
            deletions.decide(conn, 1, True, "steward", fixed_clock())
    assert _run(warehouse, toml) == ""
    assert staged_leads(warehouse) == before
    assert _audit(warehouse) == [("steward", "deletions.discarded", "ops_deletion_hold:1")]


def test_a_deleted_customer_that_comes_back_keeps_its_golden_key_and_history(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    workbook = toml.parent / "sheets" / "leads.xlsx"
    saved = workbook.read_bytes()
    first_batch.copy_into(warehouse)
    before = staged_leads(warehouse)
    [gone] = _drop_leads(toml, count=1)  # within the breaker's free allowance
    _run(warehouse, toml)
    assert gone not in staged_leads(warehouse)

    workbook.write_bytes(saved)
    _run(warehouse, toml)
    assert staged_leads(warehouse) == before, "the lead is back, under the golden key it had"
    with warehouse.engine.connect() as conn:
        versions = conn.execute(
            sa.text("SELECT batch_id FROM land_record WHERE source_key = :k ORDER BY land_id"), {"k": gone}
        ).scalars()
        ledger = conn.execute(sa.text("SELECT batch_id, revived_batch FROM stg_deletion")).all()
    assert list(versions) == [1, 2, 3], "its history: the record, its deletion, its return"
    assert [tuple(r) for r in ledger] == [(2, 3)]


RUNNER = """
import sys
from pipeline.cli import main
sys.exit(main(["run", "--config", sys.argv[1]]))
"""


def test_two_runs_started_together_make_one_batch(demo_sources: Path, tmp_path: Path) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    env = {**os.environ, "C360_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.db'}"}
    upgrade(Warehouse.from_url(env["C360_DATABASE_URL"]))
    logs = [
        tmp_path / f"run-{n}.log" for n in range(2)
    ]  # files, not pipes: a batch logs more than a pipe holds
    runs = []
    for log in logs:
        with log.open("wb") as out:
            runs.append(
                subprocess.Popen(
                    [sys.executable, "-c", RUNNER, str(toml)], cwd=ROOT, env=env, stdout=out, stderr=out
                )
            )
    codes = [p.wait(timeout=600) for p in runs]
    assert sorted(codes) == [0, 1], [log.read_text()[-2000:] for log in logs]
    refused = logs[codes.index(1)].read_text()
    assert "another run holds the pipeline" in refused
    warehouse = Warehouse.from_url(env["C360_DATABASE_URL"])
    with warehouse.engine.connect() as conn:
        batches = conn.execute(sa.select(ops_batch_run.c.batch_id, ops_batch_run.c.status)).all()
        steps = conn.execute(sa.select(ops_step_run.c.step)).scalars().all()
        lock = conn.execute(sa.select(ops_run_lock)).all()
    assert [tuple(b) for b in batches] == [(1, "succeeded")]
    assert sorted(steps) == sorted(set(steps)) and len(steps) == 10
    assert lock == [], "the lock is released"


HOLDER = """
import os, signal, sys
from pipeline.lock import RunLock
from warehouse.engine import Warehouse
lock = RunLock(Warehouse.from_url(sys.argv[1]))
lock.acquire()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_lock_whose_owner_was_killed_is_taken_over(warehouse_url: str) -> None:
    warehouse = Warehouse.from_url(warehouse_url)
    upgrade(warehouse)
    killed = subprocess.run([sys.executable, "-c", HOLDER, warehouse_url], cwd=ROOT, capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    with warehouse.engine.connect() as conn:
        [row] = conn.execute(sa.select(ops_run_lock)).all()
    assert row.host == socket.gethostname()

    with (
        RunLock(warehouse).held() as lock,
        warehouse.engine.connect() as conn,
    ):  # its process is gone: taken over
        assert conn.execute(sa.select(ops_run_lock.c.owner)).scalar() == lock.owner
    warehouse.engine.dispose()


def test_a_silent_lock_on_another_host_is_taken_over_after_its_heartbeat_timeout(
    warehouse: Warehouse,
) -> None:
    upgrade(warehouse)
    beat = dt.datetime(2026, 11, 27, 12, 0, 0)
    with warehouse.begin() as conn:
        conn.execute(
            ops_run_lock.insert().values(
                name="pipeline", owner="other", host="elsewhere", pid=1, acquired_at=beat, heartbeat_at=beat
            )
        )
    settings = LockSettings(stale_after=60)
    with pytest.raises(LockHeld, match="pid 1 on elsewhere"):
        RunLock(warehouse, settings, clock=lambda: beat + dt.timedelta(seconds=59)).acquire()
    late = RunLock(warehouse, settings, clock=lambda: beat + dt.timedelta(seconds=61))
    late.acquire()
    with warehouse.engine.connect() as conn:
        assert conn.execute(sa.select(ops_run_lock.c.owner)).scalar() == late.owner
    late.release()


# Which batch wrote a row, and the wording of the evidence behind a match, may differ after a rebuild.
NOT_CONTENT = {"batch_id", "land_id", "match_rule"}


def _content(warehouse: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    """Every data table's rows without the columns that say which batch wrote them."""
    tables = [t for t in DATA_TABLES if t not in HISTORY]
    result = {}
    for name, rows in snapshot(warehouse, tables).items():
        keep = [i for i, c in enumerate(metadata.tables[name].columns) if c.name not in NOT_CONTENT]
        result[name] = sorted((tuple(r[i] for i in keep) for r in rows), key=repr)
    return result


KILLER = """
import os, signal, sys
from pathlib import Path
from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import fixed_clock
from warehouse.engine import Warehouse

def die(batch, step):
    if step == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)

run_batch(Warehouse.from_url(sys.argv[1]), load_sources(Path(sys.argv[2])), clock=fixed_clock, on_step_done=die)
"""


def test_status_names_the_stopped_batch_and_abandon_rolls_it_back(
    warehouse_url: str, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    warehouse = first_batch.copy_into(Warehouse.from_url(warehouse_url))
    committed = _content(warehouse)
    _drop_leads(toml, count=2)  # news: a few leads deleted, so batch 2 changes staging and the golden records
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, warehouse_url, str(toml), "core"], cwd=ROOT, capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]

    report = status_report(warehouse)
    assert report.startswith("batch 2: running")
    assert "core           succeeded" in report and "marts          not run" in report
    assert "python -m pipeline run resumes batch 2" in report

    abandon(warehouse, 2, load_sources(toml), clock=fixed_clock)
    after = _content(warehouse)
    for table, rows in committed.items():
        assert after[table] == rows, (table, sorted(set(after[table]) ^ set(rows), key=repr)[:6])
    with warehouse.engine.connect() as conn:
        assert conn.execute(
            sa.select(ops_batch_run.c.status).where(ops_batch_run.c.batch_id == 2)
        ).scalar() == ("abandoned")
    assert status_report(warehouse).startswith("batch 2: abandoned")
    warehouse.engine.dispose()


def test_the_status_and_abandon_commands(demo_sources: Path, tmp_path: Path) -> None:
    toml = copy_demo(demo_sources, tmp_path)
    env = {**os.environ, "C360_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.db'}"}
    cli = [sys.executable, "-m", "pipeline"]
    first = subprocess.run(
        [*cli, "run", "--config", str(toml)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr[-2000:]
    status = subprocess.run([*cli, "status"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert status.stdout.startswith("batch 1: succeeded") and "score          succeeded" in status.stdout
    assert re.search(r"match +succeeded +\d+ in, \d+ out, 0 rejected, peak memory [\d,]+ MB", status.stdout)
    refused = subprocess.run(
        [*cli, "abandon", "1", "--config", str(toml)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "batch 1 succeeded; only a failed batch can be abandoned" in refused.stderr
    listed = subprocess.run([*cli, "deletions"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert listed.stdout.strip() == "no deletions held"


def test_on_postgresql_a_lock_row_without_its_session_is_taken_over_at_once(warehouse: Warehouse) -> None:
    """A holder on another host whose connection died: PostgreSQL freed its advisory lock, so the row is stale."""
    upgrade(warehouse)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.begin() as conn:
        conn.execute(
            ops_run_lock.insert().values(
                name="pipeline", owner="other", host="elsewhere", pid=1, acquired_at=now, heartbeat_at=now
            )
        )
    if warehouse.dialect != "postgresql":
        with pytest.raises(LockHeld, match="pid 1 on elsewhere"):
            RunLock(warehouse).acquire()  # elsewhere, still beating: only its silence can tell
        return
    with RunLock(warehouse).held() as lock, warehouse.engine.connect() as conn:
        assert conn.execute(sa.select(ops_run_lock.c.owner)).scalar() == lock.owner
        with pytest.raises(LockHeld, match="another run holds the pipeline"), RunLock(warehouse).held():
            pass
