"""Run one batch: land -> stage -> profile -> match -> core -> relationships -> marts -> analytics -> score, each
step recorded in the ops tables.

Every step runs in one transaction with its own step record, and is idempotent. A batch that did not
finish (a crash, a kill, a bad file) is resumed by the next run under the same batch id: from its first
step that had not succeeded when the input is as it was, and from ``land`` when the input has changed
since (a fixed file is read again), so the end state equals one clean run. ``abandon`` rolls a failed
batch back instead. When the input is unchanged since the last successful batch and no data steward
has decided anything since, the run does nothing at all (``force`` runs the steps anyway; they change
nothing). One run at a time: the run holds the warehouse's pipeline lock (``pipeline.lock``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from ops import observe_batch, observed_step
from ops.memory import PeakMemory, give_back_freed_memory
from pipeline import api_writes, deletions, ops
from pipeline.deletions import DeletionLimits
from pipeline.errors import StepError
from pipeline.events.batch_events import record_batch_events
from pipeline.land_parts import file_digest
from pipeline.lock import LockSettings, RunLock
from pipeline.quality.stewardship import StewardAlerts
from pipeline.records import SourceConfig
from pipeline.steps import (
    build_analytics,
    build_core,
    build_marts,
    build_relationships,
    check_quality,
    decisions_since,
    land,
    match,
    profile,
    score,
    stage,
)
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
Step = Callable[[Connection, int, dt.datetime], ops.StepResult]


@dataclass(frozen=True)
class BatchOutcome:
    batch_id: int | None
    status: str  # succeeded, unchanged
    steps_run: tuple[str, ...]
    warnings: str = ""  # what the batch could not read, and deletions it held for approval


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def steps_for(
    sources: Sequence[SourceConfig],
    limits: DeletionLimits | None = None,
    alerts: StewardAlerts | None = None,
    force: bool = False,
) -> list[tuple[str, Step]]:
    """The batch's steps, bound to its sources (``force``: land reads every part, changed or not)."""
    return [
        ("land", lambda conn, batch, now: land(conn, sources, batch, now, limits, reuse=not force)),
        ("stage", lambda conn, batch, now: stage(conn, api_writes.with_api_source(sources), batch)),
        ("profile", lambda conn, batch, now: profile(conn, batch)),
        ("match", lambda conn, batch, now: match(conn, batch)),
        ("core", lambda conn, batch, now: build_core(conn, batch, now.date(), reuse=not force)),
        ("relationships", lambda conn, batch, now: build_relationships(conn, batch)),
        ("marts", lambda conn, batch, now: build_marts(conn, batch, now.date())),
        ("analytics", lambda conn, batch, now: build_analytics(conn, batch)),
        ("score", lambda conn, batch, now: score(conn, batch, now)),
        ("quality", lambda conn, batch, now: check_quality(conn, batch, now, alerts)),
    ]


def input_fingerprint(sources: Sequence[SourceConfig]) -> str:
    """A hash of the sources config and the content of every file the sources read."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(repr((source.name, source.type, sorted(source.options.items()))).encode())
        if source.path is not None:
            for file in _files(source.path):
                digest.update(str(file.relative_to(source.path)).encode())
                digest.update(file_digest(file))
    return digest.hexdigest()


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


def run_batch(
    warehouse: Warehouse,
    sources: Sequence[SourceConfig],
    clock: Clock = utc_now,
    trigger: str = "cli",
    force: bool = False,
    on_step_done: Callable[[int, str], None] | None = None,
    limits: DeletionLimits | None = None,
    lock: LockSettings | None = None,
    alerts: StewardAlerts | None = None,
) -> BatchOutcome:
    """Run (or resume) a batch over ``sources``; raises StepError when a step fails, LockHeld when another
    run holds the pipeline.

    ``on_step_done(batch_id, step)`` is called after each step has committed (progress reporting).
    """
    run_lock = RunLock(warehouse, lock)
    with run_lock.held():
        outcome = _run_batch(
            warehouse, sources, clock, trigger, force, on_step_done, limits, run_lock, alerts
        )
    observe_batch(outcome.status)
    return outcome


def _run_batch(
    warehouse: Warehouse,
    sources: Sequence[SourceConfig],
    clock: Clock,
    trigger: str,
    force: bool,
    on_step_done: Callable[[int, str], None] | None,
    limits: DeletionLimits | None,
    run_lock: RunLock,
    alerts: StewardAlerts | None,
) -> BatchOutcome:
    fingerprint = input_fingerprint(sources)
    with warehouse.begin() as conn:
        last = ops.last_batch(conn)
        if last and last["status"] in (ops.RUNNING, ops.FAILED):
            batch_id = int(last["batch_id"])
            done = {s for s, status in ops.step_status(conn, batch_id).items() if status == ops.SUCCEEDED}
            if last["input_fingerprint"] != fingerprint:
                done = set()  # the input changed (a file was fixed): every step runs again, from land
            ops.reopen_batch(conn, batch_id, fingerprint)
            logger.info("resuming batch %d after %s", batch_id, sorted(done) or "no finished step")
        else:
            succeeded = ops.last_succeeded_batch(conn)
            live = any(s.path is None for s in sources)  # a live source can always have news
            live = live or api_writes.waiting(conn) > 0  # so do records written through the API
            # so do a steward's decisions since the last batch: identity pairs, held deletions
            since = succeeded["finished_at"] if succeeded else None
            news = live or (
                succeeded is not None
                and decisions_since(conn, since) + deletions.decided_since(conn, since) > 0
            )
            if succeeded and succeeded["input_fingerprint"] == fingerprint and not force and not news:
                logger.info("input unchanged since batch %d: nothing to do", succeeded["batch_id"])
                return BatchOutcome(int(succeeded["batch_id"]), "unchanged", ())
            batch_id = ops.start_batch(conn, clock(), trigger, fingerprint)
            done = set()
    ran: list[str] = []
    for name, step in steps_for(sources, limits, alerts, force):
        if name in done:
            continue
        if run_lock.lost.is_set():
            raise StepError(
                batch_id, name, "the pipeline lock was taken over by another run; stopped before this step"
            )
        run_step(warehouse, batch_id, name, step, clock)
        ran.append(name)
        if on_step_done is not None:
            on_step_done(batch_id, name)
    with warehouse.begin() as conn:
        warnings = ops.step_messages(conn, batch_id, ("land", "quality"))
        ops.finish_batch(conn, batch_id, clock(), ops.SUCCEEDED, warnings or None)
    logger.info("batch %d succeeded (%s)", batch_id, ", ".join(ran))
    try:  # what the batch changed becomes events; one that fails here is recorded by the next batch
        with PeakMemory() as memory:
            record_batch_events(warehouse, batch_id, clock())
        logger.info("batch %d events recorded, peak memory %s", batch_id, _megabytes(memory.stop()))
    except Exception as e:
        logger.exception("batch %d: its events could not be recorded", batch_id)
        warnings = "\n".join(
            filter(None, [warnings, f"events not recorded (the next batch records them): {e}"])
        )
    if warnings:
        logger.warning("batch %d warnings:\n%s", batch_id, warnings)
    return BatchOutcome(batch_id, ops.SUCCEEDED, tuple(ran), warnings)


def run_step(warehouse: Warehouse, batch_id: int, name: str, step: Step, clock: Clock) -> None:
    with warehouse.begin() as conn:
        ops.start_step(conn, batch_id, name, clock())
    started = clock()
    memory = PeakMemory()
    try:
        with memory, observed_step(batch_id, name) as observed, warehouse.begin() as conn:
            result = step(conn, batch_id, started)
            peak = memory.stop()
            ops.finish_step(conn, batch_id, name, clock(), ops.SUCCEEDED, result, peak)
            observed.rows_in, observed.rows_out = result.rows_in, result.rows_out
            observed.rows_rejected = result.rows_rejected
    except Exception as e:
        logger.exception("batch %d step %s failed", batch_id, name)
        failed = ops.StepResult(message=str(e)[:2000])
        with warehouse.begin() as conn:
            ops.finish_step(conn, batch_id, name, clock(), ops.FAILED, failed, memory.stop())
            ops.finish_batch(conn, batch_id, clock(), ops.FAILED, f"step {name} failed: {e}"[:2000])
        observe_batch(ops.FAILED)
        raise StepError(batch_id, name, str(e)) from e
    give_back_freed_memory()  # what the step held is not carried into the next one's peak
    logger.info(
        "batch %d step %s done: %d in, %d out, %d rejected, peak memory %s",
        batch_id,
        name,
        result.rows_in,
        result.rows_out,
        result.rows_rejected,
        _megabytes(peak),
    )


def _megabytes(peak: int | None) -> str:
    return "not measured" if peak is None else f"{peak:,} MB"
