"""Which of several web processes runs the scheduler and plays the demo day: the one holding a file lock.

gunicorn serves the portal from several worker processes, but the scheduler (batches, retraining,
retention) and the embedded demo day (events appended to the warehouse's event log) must run once.
Each worker tries a non-blocking exclusive ``flock`` on ``var/scheduler.lock`` after it is forked; the
first one to get it keeps the lock for its life and starts both. When that worker exits, the kernel
releases the lock and the worker gunicorn starts in its place takes it. Batches are serialised across
processes and machines by the warehouse run lock (``pipeline.lock``) in any case; this lock only
keeps the schedule from firing once per worker.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

LOCK_NAME = "scheduler.lock"


def claim(var_dir: Path) -> IO[str] | None:
    """The open, locked file when this process becomes the owner; None when another process owns it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    handle = (var_dir / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    logger.info("process %d owns the scheduler (%s)", os.getpid(), var_dir / LOCK_NAME)
    return handle
