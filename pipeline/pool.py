"""Worker processes for a step's per-record work, started only when asked for and always stopped with it.

Workers are spawned (a fresh interpreter), never forked: the step's process holds a warehouse connection
and maybe a connection pool, which a child must never share. They ignore Ctrl-C (the step's process
decides), exit if that process dies, and stop with the step, failed or not (after the tasks they are
running: one chunk each), so a step leaves no processes behind. What a task logs is sent back with its
result and logged by the step's process.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle  # nosec B403  # only our own exceptions and results, between our own processes
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

__all__ = ["Task", "WorkerPool"]

T = TypeVar("T")


class WorkerPool:
    """Up to ``workers`` spawned processes, started at the first :meth:`submit`; 0 means none."""

    def __init__(self, workers: int) -> None:
        self.workers = max(workers, 0)
        self._executor: ProcessPoolExecutor | None = None

    @property
    def enabled(self) -> bool:
        return self.workers > 0

    @property
    def started(self) -> bool:
        return self._executor is not None

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Task[T]:
        """Run ``fn(*args)`` in a worker; ``fn`` and ``args`` must pickle (a module-level function, plain data)."""
        if self._executor is None:
            if not self.enabled:
                raise RuntimeError("a pool of no workers runs nothing")
            logger.info("starting %d worker processes", self.workers)
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(logging.getLogger().getEffectiveLevel(),),
            )
        return Task(self._executor.submit(_logged, fn, *args))

    def close(self, abort: bool = False) -> None:
        """Stop the workers once their tasks are done; ``abort`` drops the tasks not yet started.

        Running tasks finish (one chunk each) rather than being terminated: a worker killed while it
        sends its result leaves the pool's reader waiting for the rest of a message for ever.
        """
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=abort)
            logger.info("stopped %d worker processes", self.workers)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close(abort=error is not None)


def _start_worker(level: int) -> None:
    """In each worker: Ctrl-C is the step's process to handle, and a worker outlives no step process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger().setLevel(level)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)  # the step's process died: nobody will read what this one does


class _Collect(logging.Handler):
    """Keeps a task's log records, made picklable, for the step's process to log."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = self.format(record) if record.exc_info else record.getMessage()
        record = logging.makeLogRecord(
            {**record.__dict__, "msg": message, "args": None, "exc_info": None, "exc_text": None}
        )
        self.records.append(record)


def _logged(fn: Callable[..., T], /, *args: Any) -> tuple[T, list[logging.LogRecord]]:
    """Run a task in a worker; its result with its log records, or its exception as the caller would see it."""
    collect = _Collect()
    root = logging.getLogger()
    root.addHandler(collect)
    try:
        return fn(*args), collect.records
    except Exception as e:
        error = e if _round_trips(e) else RuntimeError(f"{type(e).__name__}: {e}")
        error.worker_log = collect.records  # type: ignore[attr-defined]  # an exception pickles its __dict__
        if error is e:
            raise
        raise error from None
    finally:
        root.removeHandler(collect)


class Task(Generic[T]):
    """A task given to a worker."""

    def __init__(self, future: Future[tuple[T, list[logging.LogRecord]]]) -> None:
        self._future = future

    def result(self) -> T:
        """Its result (waiting for it) or its exception, after logging here what it logged there, in order."""
        try:
            value, records = self._future.result()
        except Exception as e:
            _replay(e.__dict__.pop("worker_log", []))
            raise
        _replay(records)
        return value


def _replay(records: list[logging.LogRecord]) -> None:
    for record in records:
        target = logging.getLogger(record.name)
        if target.isEnabledFor(record.levelno):
            target.handle(record)


def _round_trips(error: Exception) -> bool:
    """Whether an exception reaches the step's process as itself (some custom exceptions do not unpickle)."""
    try:
        copy = pickle.loads(pickle.dumps(error))  # nosec B301  # our own bytes, just made
    except Exception:
        return False
    return type(copy) is type(error) and str(copy) == str(error)
