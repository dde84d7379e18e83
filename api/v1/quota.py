"""Per-client rate-limit counters in process memory, swept for expired windows once a second.

``limits``' own memory storage starts a new sweeping thread whenever the last one (10 ms long) has ended,
i.e. on nearly every API call under load (~1 ms each, most of a profile call's own cost). Counters are
checked for expiry when read either way; only the housekeeping is less frequent here.
"""

from __future__ import annotations

import logging
import threading

from limits.storage import MemoryStorage

logger = logging.getLogger(__name__)

SCHEME = "c360-memory"
SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """``memory://`` whose expired windows are swept by one short-lived thread a second, not one per call."""

    STORAGE_SCHEME = [SCHEME]
    sweep_seconds = SWEEP_SECONDS
    _starting = threading.Lock()  # threads that all find the sweeper ended start one between them

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private per-call scheduling
        if self.timer.is_alive():
            return
        with self._starting:
            if self.timer.is_alive():
                return
            sweep = getattr(self, "_MemoryStorage__expire_events")  # noqa: B009  # the parent's private sweep
            timer = threading.Timer(self.sweep_seconds, sweep)
            timer.daemon = True
            timer.start()
            self.timer = timer


def storage_uri(configured: str) -> str:
    """The storage flask-limiter should use for ``api_rate_limit_storage``: ours in place of ``memory://``."""
    scheme, sep, rest = configured.partition("://")
    return f"{SCHEME}://{rest}" if sep and scheme == "memory" else configured


__all__ = ["SCHEME", "SWEEP_SECONDS", "SweptMemoryStorage", "storage_uri"]
