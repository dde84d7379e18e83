"""The peak memory of one part of a run: the process's resident set size, sampled while the part runs.

A thread reads the resident set size from ``/proc/self/statm`` every :data:`INTERVAL` seconds (Linux; elsewhere
nothing is measured) and keeps the largest. The kernel's own high-water mark (``VmHWM``, ``ru_maxrss``) is left
alone: resetting it would make ``/usr/bin/time`` and the benchmarks report only the last part's peak. A rise
and fall shorter than the interval can be missed. Worker processes (the stage step's) are not counted: each
has its own memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any, Final

logger = logging.getLogger(__name__)

STATM: Final = Path("/proc/self/statm")
INTERVAL: Final = 0.05
_PAGE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class PeakMemory:
    """Started: the resident set size is sampled until :meth:`stop` (or the end of a ``with`` block), which
    returns the largest in MB (``None`` where it cannot be read)."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self._interval = interval
        self._peak = resident_bytes()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if self._peak is not None:
            self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)
            self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(self._interval):
            self._keep(resident_bytes())

    def _keep(self, size: int | None) -> None:
        if size is not None and self._peak is not None and size > self._peak:
            self._peak = size

    def __enter__(self) -> PeakMemory:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> int | None:
        """The peak since the start, in MB; sampling ends."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self._keep(resident_bytes())
        return None if self._peak is None else self._peak // (1024 * 1024)


def resident_bytes() -> int | None:
    """This process's resident set size now (``None`` where ``/proc`` is not there)."""
    try:
        fields = STATM.read_text().split()
    except OSError:
        return None
    return int(fields[1]) * _PAGE


def give_back_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``), so that what a step freed is
    not still counted in the resident size of the steps after it; nothing where the C library is not glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError as e:
        logger.debug("malloc_trim not available: %s", e)
        return None
