"""What the last batch did, and how to get out of a failed one: ``status`` and ``abandon``.

``status`` says which batch ran last, how each step went, what the batch could not read, which
deletions wait for a steward, who holds the pipeline now, and the command that moves things on.

``abandon`` rolls a failed batch back to the last committed state: the records it landed and the
deletions it held are removed and every watermark is put back as the batch found it (one transaction);
staging is rebuilt from the remaining landed records (one transaction); then every later step rebuilds
its tables from staging (one transaction each), and the batch is marked ``abandoned``. Golden keys the
batch handed out are retired, never given to anyone else.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence

import sqlalchemy as sa

from pipeline import deletions, lock, ops
from pipeline.changes import PREFIX as CHANGES_PREFIX
from pipeline.errors import PipelineError
from pipeline.lock import LockSettings, RunLock
from pipeline.records import SourceConfig
from pipeline.runner import Clock, Step, run_step, steps_for, utc_now
from pipeline.steps.stage import STAGING_TABLES
from warehouse.engine import Warehouse
from warehouse.schema import (
    land_record,
    ops_batch_run,
    ops_deletion_hold,
    ops_deletion_hold_record,
    ops_step_run,
    ops_watermark,
    stg_deletion,
    stg_reject,
)

logger = logging.getLogger(__name__)

STEP_ORDER = tuple(name for name, _ in steps_for(()))


class CannotAbandon(PipelineError):
    """The batch may not be abandoned (it succeeded, is not the last, or is unknown)."""


def status_report(warehouse: Warehouse) -> str:
    """A plain-text account of the last batch and what to do next."""
    with warehouse.begin() as conn:
        last = ops.last_batch(conn)
        if last is None:
            return "no batch has run yet: python -m pipeline run"
        batch_id = int(last["batch_id"])
        steps = {
            r.step: r
            for r in conn.execute(sa.select(ops_step_run).where(ops_step_run.c.batch_id == batch_id))
        }
        held = deletions.holds(conn, deletions.HELD)
    lines = [f"batch {batch_id}: {last['status']} (started {last['started_at']:%Y-%m-%d %H:%M:%S} UTC"]
    lines[0] += f", finished {last['finished_at']:%Y-%m-%d %H:%M:%S} UTC)" if last["finished_at"] else ")"
    for name in STEP_ORDER:
        step = steps.get(name)
        if step is None:
            lines.append(f"  {name:<14} not run")
            continue
        counts = f"{step.rows_in} in, {step.rows_out} out, {step.rows_rejected} rejected"
        if step.peak_rss_mb is not None:
            counts += f", peak memory {step.peak_rss_mb:,} MB"
        lines.append(f"  {name:<14} {step.status:<10} {counts}")
        if step.status == ops.FAILED and step.message:
            lines.append(f"      error: {step.message}")
    if last["message"] and last["status"] != ops.FAILED:
        lines.append("warnings:")
        lines += [f"  {line}" for line in str(last["message"]).splitlines()]
    for h in held:
        lines.append(
            f"deletions held: hold {h['hold_id']}: {h['source']} {h['entity']}, {h['reason']}"
            f" -> python -m pipeline deletions approve {h['hold_id']} (or discard {h['hold_id']})"
        )
    holder = lock.holder(warehouse)
    if holder is not None:
        lines.append(
            f"running now: pid {holder['pid']} on {holder['host']}, last heartbeat {holder['heartbeat_at']} UTC"
        )
    lines.append(_next(last, steps))
    return "\n".join(lines)


def _next(last: dict[str, object], steps: dict[str, sa.Row[tuple[object, ...]]]) -> str:
    batch_id = last["batch_id"]
    if last["status"] == ops.FAILED:
        failed = next((n for n in STEP_ORDER if n in steps and steps[n].status == ops.FAILED), "?")
        return (
            f"next: fix what step {failed} names, then python -m pipeline run (resumes batch {batch_id}: "
            f"from {failed} if the input is as it was, from land if it changed); "
            f"or python -m pipeline abandon {batch_id} to roll it back"
        )
    if last["status"] == ops.RUNNING:
        return f"next: if no run is going on, python -m pipeline run resumes batch {batch_id}"
    return "next: python -m pipeline run when the sources have news"


def abandon(
    warehouse: Warehouse,
    batch_id: int,
    sources: Sequence[SourceConfig],
    clock: Clock = utc_now,
    lock_settings: LockSettings | None = None,
) -> None:
    """Roll the failed (or interrupted) last batch ``batch_id`` back to the last committed state."""
    with RunLock(warehouse, lock_settings).held():
        with warehouse.begin() as conn:
            last = ops.last_batch(conn)
            if last is None or int(last["batch_id"]) != batch_id:
                raise CannotAbandon(f"batch {batch_id} is not the last batch; only the last can be abandoned")
            if last["status"] not in (ops.FAILED, ops.RUNNING):
                raise CannotAbandon(
                    f"batch {batch_id} {last['status']}; only a failed batch can be abandoned"
                )
            if not last["watermarks"]:
                raise CannotAbandon(f"batch {batch_id} started before batches kept their watermarks")
            _unland(conn, batch_id, json.loads(str(last["watermarks"])))
        for name, step in steps_for(sources)[1:]:  # stage again from land, then every step after it
            run_step(warehouse, batch_id, name, _afresh(step) if name == "stage" else step, clock)
        with warehouse.begin() as conn:
            message = (
                f"abandoned at {clock():%Y-%m-%d %H:%M:%S} UTC: its records and holds removed, tables rebuilt"
            )
            conn.execute(
                ops_batch_run.update()
                .where(ops_batch_run.c.batch_id == batch_id)
                .values(status=ops.ABANDONED, finished_at=clock(), message=message)
            )
    logger.info("batch %d abandoned", batch_id)


def _afresh(stage: Step) -> Step:
    """The stage step over empty staging tables (its watermarks are back at the first record)."""

    def step(conn: sa.Connection, batch_id: int, now: dt.datetime) -> ops.StepResult:
        for table in (*STAGING_TABLES, stg_reject, stg_deletion):
            conn.execute(table.delete())
        return stage(conn, batch_id, now)

    return step


#: Watermarks of steps that redo only what changed (or nothing, when nothing did): gone, so after an abandon those steps
#: rebuild in full.
REBUILT_AFRESH = ("core:", CHANGES_PREFIX, "match:", "analytics:", "score:")


def _unland(conn: sa.Connection, batch_id: int, marks: dict[str, str]) -> None:
    """Remove what the batch landed and held, and put the watermarks back (staging restarts from the first record)."""
    held = sa.select(ops_deletion_hold.c.hold_id).where(ops_deletion_hold.c.batch_id == batch_id)
    conn.execute(ops_deletion_hold_record.delete().where(ops_deletion_hold_record.c.hold_id.in_(held)))
    conn.execute(ops_deletion_hold.delete().where(ops_deletion_hold.c.batch_id == batch_id))
    removed = conn.execute(land_record.delete().where(land_record.c.batch_id == batch_id)).rowcount
    conn.execute(ops_watermark.delete())
    restored = {
        name: ("0" if name.startswith("stage:") else value)
        for name, value in marks.items()
        if not name.startswith(REBUILT_AFRESH)
    }
    if restored:
        conn.execute(
            ops_watermark.insert(),
            [{"name": n, "value": v, "batch_id": batch_id} for n, v in sorted(restored.items())],
        )
    logger.info(
        "batch %d: %d landed records removed, %d watermarks restored", batch_id, removed, len(restored)
    )
