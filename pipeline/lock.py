"""One run at a time: a lock row in the warehouse (``ops_run_lock``) with its owner, host, pid and heartbeat.

Whoever starts a batch (the command line, the in-app scheduler, another machine) takes the lock first;
a second run waits for it up to ``wait`` seconds, then exits with :class:`LockHeld` naming the holder.
The holder's thread refreshes the heartbeat every ``heartbeat`` seconds; a lock whose heartbeat is
older than ``stale_after`` seconds, or whose process on this host has gone, belongs to a dead run and
is taken over (compare-and-swap on the old owner and heartbeat, so two runs cannot both take it). On
PostgreSQL a session advisory lock is held beside the row, so a holder whose connection died is known
dead at once, on any host.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from pipeline.errors import PipelineError
from warehouse.engine import Warehouse, WarehouseError
from warehouse.schema import ops_run_lock

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger(__name__)

PIPELINE = "pipeline"


class LockHeld(PipelineError):
    """Another run holds the pipeline."""


@dataclass(frozen=True)
class LockSettings:
    heartbeat: float = 5.0  # seconds between heartbeats
    stale_after: float = 60.0  # a heartbeat older than this: the holder is dead
    wait: float = 0.0  # how long a second run waits for the lock before giving up

    @classmethod
    def from_settings(cls, settings: Settings) -> LockSettings:
        return cls(stale_after=settings.lock_stale_seconds, wait=settings.lock_wait_seconds)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RunLock:
    """The pipeline's lock in ``warehouse``; use :meth:`held` around a run."""

    def __init__(
        self,
        warehouse: Warehouse,
        settings: LockSettings | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        name: str = PIPELINE,
    ) -> None:
        self.warehouse = warehouse
        self.settings = settings or LockSettings()
        self.clock = clock
        self.name = name
        self.owner = uuid.uuid4().hex
        self.lost = threading.Event()  # set when another run took the lock over (this one was thought dead)
        self._session_held = False  # PostgreSQL: this run holds the session's advisory lock

    @contextmanager
    def held(self) -> Iterator[RunLock]:
        """Hold the lock for the block; raises :class:`LockHeld` if it cannot be had within ``wait``."""
        with self._session_lock():
            self.acquire()
            try:
                yield from self._beating()
            finally:
                self.release()

    def _beating(self) -> Iterator[RunLock]:
        stop = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(stop,), name=f"{self.name}-lock-heartbeat", daemon=True
        )
        beat.start()
        try:
            yield self
        finally:
            stop.set()
            beat.join()

    @contextmanager
    def _session_lock(self) -> Iterator[None]:
        """On PostgreSQL, also an advisory lock held by this run's own session: the server frees it the moment
        the holder's connection dies, so a second run knows at once that the lock row it finds is stale."""
        if self.warehouse.dialect != "postgresql":
            yield
            return
        key = int.from_bytes(hashlib.sha256(f"c360:{self.name}".encode()).digest()[:8], "big", signed=True)
        deadline = time.monotonic() + self.settings.wait
        with self.warehouse.engine.connect() as session:
            while not session.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                session.rollback()
                if time.monotonic() >= deadline:
                    row = holder(self.warehouse, self.name)
                    who = f"pid {row['pid']} on {row['host']}" if row else "another session"
                    raise LockHeld(
                        f"another run holds the pipeline: {who}; wait for it to finish (python -m pipeline status)"
                    )
                time.sleep(min(1.0, self.settings.heartbeat))
            session.commit()
            self._session_held = True
            try:
                yield
            finally:
                self._session_held = False
                session.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                session.commit()

    def acquire(self) -> None:
        deadline = time.monotonic() + self.settings.wait
        while True:
            holder = self._try_acquire()
            if holder is None:
                logger.info(
                    "pipeline lock taken by %s (pid %d on %s)", self.owner, os.getpid(), socket.gethostname()
                )
                return
            if time.monotonic() >= deadline:
                raise LockHeld(
                    f"another run holds the pipeline: pid {holder.pid} on {holder.host}, since "
                    f"{holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC, last heartbeat {holder.heartbeat_at:%H:%M:%S} UTC; "
                    "wait for it to finish (python -m pipeline status)"
                )
            time.sleep(min(1.0, self.settings.heartbeat))

    def _try_acquire(self) -> sa.Row[tuple[object, ...]] | None:
        """Take the lock if free or stale; else the row of whoever holds it."""
        now = self.clock()
        mine = {
            "owner": self.owner,
            "host": socket.gethostname()[:200],
            "pid": os.getpid(),
            "acquired_at": now,
            "heartbeat_at": now,
        }
        try:
            with self.warehouse.begin() as conn:
                row = conn.execute(sa.select(ops_run_lock).where(ops_run_lock.c.name == self.name)).first()
                if row is None:
                    conn.execute(ops_run_lock.insert().values(name=self.name, **mine))
                    return None
                if not self._stale(row, now):
                    return row
                taken = conn.execute(
                    ops_run_lock.update()
                    .where(
                        (ops_run_lock.c.name == self.name)
                        & (ops_run_lock.c.owner == row.owner)
                        & (ops_run_lock.c.heartbeat_at == row.heartbeat_at)
                    )
                    .values(**mine)
                )
                if taken.rowcount == 1:
                    logger.warning(
                        "took over the pipeline lock of pid %d on %s: no heartbeat since %s",
                        row.pid,
                        row.host,
                        row.heartbeat_at,
                    )
                    return None
                return row
        except WarehouseError:  # another run inserted the row first
            with self.warehouse.begin() as conn:
                row = conn.execute(sa.select(ops_run_lock).where(ops_run_lock.c.name == self.name)).first()
            if row is None:
                raise
            return row

    def _stale(self, row: sa.Row[tuple[object, ...]], now: dt.datetime) -> bool:
        """The holder is dead: this run holds the session lock, no heartbeat for ``stale_after``, or its
        process on this host is gone."""
        if self._session_held:
            return True
        if row.host == socket.gethostname()[:200] and not _alive(int(row.pid)):
            return True
        age: dt.timedelta = now - row.heartbeat_at
        return age.total_seconds() > self.settings.stale_after

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(self.settings.heartbeat):
            try:
                with self.warehouse.begin() as conn:
                    kept = conn.execute(
                        ops_run_lock.update()
                        .where((ops_run_lock.c.name == self.name) & (ops_run_lock.c.owner == self.owner))
                        .values(heartbeat_at=self.clock())
                    )
            except WarehouseError as e:  # a long step holding SQLite's write lock: the next beat may pass
                logger.warning("pipeline lock heartbeat failed (%s); trying again", e)
                continue
            if kept.rowcount != 1:
                logger.error("the pipeline lock was taken over by another run; this run stops after its step")
                self.lost.set()
                return

    def release(self) -> None:
        with self.warehouse.begin() as conn:
            conn.execute(
                ops_run_lock.delete().where(
                    (ops_run_lock.c.name == self.name) & (ops_run_lock.c.owner == self.owner)
                )
            )


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state: str = stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True  # no /proc: trust the signal
    return state != "Z"


def holder(warehouse: Warehouse, name: str = PIPELINE) -> dict[str, object] | None:
    """Who holds the lock now, if anyone."""
    with warehouse.begin() as conn:
        row = conn.execute(sa.select(ops_run_lock).where(ops_run_lock.c.name == name)).first()
    return dict(row._mapping) if row else None


def _done(stopping: threading.Event, lost: threading.Event) -> bool:
    return stopping.is_set() or lost.is_set()


def lead(
    warehouse: Warehouse,
    name: str,
    work: Callable[[Callable[[], bool]], None],
    stopping: threading.Event,
    retry: float = 30.0,
    settings: LockSettings | None = None,
) -> None:
    """Run ``work`` in one process of all those sharing ``warehouse``: whoever holds lock ``name`` leads.

    A process that finds the lock held looks again every ``retry`` seconds, so another takes over when the
    leader stops or dies (its heartbeat goes stale). ``work`` gets a function telling it to return: ``stopping``
    is set, or another process took the lock over. Returns once ``stopping`` is set.
    """
    while not stopping.is_set():
        lock = RunLock(warehouse, settings, name=name)
        try:
            with lock.held():
                logger.info("%s: this process leads (pid %d)", name, os.getpid())
                work(functools.partial(_done, stopping, lock.lost))
        except LockHeld:
            logger.debug("%s: another process leads; looking again in %.0f s", name, retry)
        except Exception:
            logger.exception("%s failed; trying again in %.0f s", name, retry)
        stopping.wait(retry)
