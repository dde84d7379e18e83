"""A small circuit breaker for outbound calls: after ``threshold`` failures in a row it opens, refusing
calls for ``reset_seconds``; then one trial call closes it again (success) or reopens it (failure)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class CircuitOpen(Exception):
    """The breaker is open: the call was not made."""


class CircuitBreaker:
    """Counts consecutive failures of one external service."""

    def __init__(
        self,
        name: str,
        threshold: int = 5,
        reset_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """closed, open or half_open."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._clock() - self._opened_at >= self.reset_seconds else "open"

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` while open; let one trial through once the reset time has passed."""
        if self.state == "open":
            raise CircuitOpen(f"{self.name}: circuit open after {self._failures} failures")

    def record(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures, self._opened_at = 0, None
                return
            self._failures += 1
            if self._failures >= self.threshold:
                if self._opened_at is None:
                    logger.warning("%s: circuit opened after %d failures", self.name, self._failures)
                self._opened_at = self._clock()


class Breakers:
    """One breaker per external service (a webhook receiver's host), made on first use."""

    def __init__(
        self, threshold: int = 5, reset_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._made: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()
        self._args = (threshold, reset_seconds, clock)

    def get(self, name: str) -> CircuitBreaker:
        with self._lock:
            breaker = self._made.get(name)
            if breaker is None:
                breaker = self._made[name] = CircuitBreaker(name, *self._args)
            return breaker
