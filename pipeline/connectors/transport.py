"""HTTP transport for client libraries that own their ``requests`` session (gspread, instaloader, Graph).

Such a library makes its own calls, so the shared HTTP layer (``pipeline/connectors/http.py``) is brought
to it as a transport adapter mounted on its session: :class:`GuardedAdapter` retries idempotent requests
(GET, HEAD) by the one retry table of the HTTP layer (:data:`~pipeline.connectors.http.RETRY_STATUSES`,
:data:`~pipeline.connectors.http.RETRY_EXCEPTIONS`, :class:`~pipeline.connectors.http.Backoff` with
``Retry-After`` honoured), takes a token from a per-host bucket before each attempt, and keeps the
process-wide circuit breaker of the host it calls, so a dead service fails fast with ``CircuitOpen``
instead of stalling the batch. The last answer of a retried status goes back to the library, which maps
it to its own error. The adapter can also send a hard-coded host to another base URL (an emulator, a
recording proxy, or a local test server).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from pipeline.connectors.http import (
    RETRY_EXCEPTIONS,
    RETRY_STATUSES,
    Backoff,
    CircuitOpen,
    Sleep,
    TokenBucket,
    retry_after,
    shared_breaker,
)

logger = logging.getLogger(__name__)

DROPPED: Final = RETRY_EXCEPTIONS
"""What a library may raise for a connection that gave no complete answer (the HTTP layer's table)."""
IDEMPOTENT: Final = frozenset({"GET", "HEAD"})

T = TypeVar("T")


class GuardedAdapter(HTTPAdapter):
    """Retries, a per-host token bucket and the host's circuit breaker; optionally a redirect to ``base_url``."""

    def __init__(
        self,
        source: str,
        retries: int = 5,
        base_url: str | None = None,
        rate: float | None = None,
        burst: float = 1.0,
        sleep: Sleep | None = None,
        attempts_per_call: int = 1,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(max_retries=0)
        self._source = source
        self._backoff = backoff or Backoff(retries=retries)
        # A library that retries by itself sends each attempt through here: the circuit opens after
        # three of its calls have failed, not after three attempts of one call.
        self._threshold = 3 * max(1, attempts_per_call)
        self._target = urlsplit(base_url) if base_url else None
        self._bucket = TokenBucket(rate, burst) if rate else None
        self._sleep = sleep  # None: time.sleep, looked up at each wait

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self._target is not None:
            parts = urlsplit(request.url or "")
            t = self._target
            request.url = urlunsplit(
                (t.scheme, t.netloc, t.path.rstrip("/") + parts.path, parts.query, parts.fragment)
            )
            request.headers["Host"] = t.netloc
        host = urlsplit(request.url or "").netloc
        breaker = shared_breaker(host, self._threshold)
        if not breaker.allow():
            raise CircuitOpen(
                self._source, f"{host} failed repeatedly; not calling it until its cool-down ends"
            )
        retries = self._backoff.retries if request.method in IDEMPOTENT else 0
        stream = bool(kwargs.get("stream", args[0] if args else False))
        for attempt in range(retries + 1):
            if self._bucket is not None:
                self._bucket.acquire(self._wait)
            try:
                response = super().send(request, *args, **kwargs)
                if not stream:
                    _ = response.content  # read the body here, so a drop mid-body is retried too
            except RETRY_EXCEPTIONS as e:
                if attempt == retries:
                    breaker.failure()
                    raise
                delay = self._backoff.delay(attempt)
                logger.info(
                    "%s: %s %s: %s; retry %d in %.2f s",
                    self._source,
                    request.method,
                    host,
                    e,
                    attempt + 1,
                    delay,
                )
                self._wait(delay)
                continue
            except requests.RequestException:
                breaker.failure()
                raise
            if response.status_code not in RETRY_STATUSES:
                breaker.success()
                return response
            hint = retry_after(response.headers.get("Retry-After"))
            if hint is not None and hint > self._backoff.max_retry_after:
                breaker.success()  # the service answered; it asked for a pause we will not wait out
                return response
            if attempt == retries:
                breaker.failure()
                return response  # the library maps the last answer to its own error
            delay = self._backoff.delay(attempt, hint)
            logger.info(
                "%s: HTTP %d from %s; retry %d in %.2f s",
                self._source,
                response.status_code,
                host,
                attempt + 1,
                delay,
            )
            response.close()
            self._wait(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float) -> None:
        (self._sleep or time.sleep)(seconds)


def mount(
    session: requests.Session,
    source: str,
    root: str,
    endpoint: str | None = None,
    retries: int = 5,
    rate: float | None = None,
    attempts_per_call: int = 1,
) -> None:
    """Guard ``session``'s requests to ``root`` (``https://host``), sending them to ``endpoint`` when one is set."""
    if endpoint:
        logger.info("requests for %s go to %s", root, endpoint)
    adapter = GuardedAdapter(source, retries, endpoint, rate, attempts_per_call=attempts_per_call)
    session.mount(root.rstrip("/") + "/", adapter)


def again(call: Callable[[], T], attempts: int, what: str, sleep: Sleep | None = None) -> T:
    """``call()``, repeated with the HTTP layer's backoff when a connection gave no complete answer.

    The adapter already retries each request; this covers a library call that spans several. The last
    failure is raised as it came, for the caller to map to its own error.
    """
    backoff = Backoff(retries=attempts)
    for attempt in range(attempts + 1):
        try:
            return call()
        except DROPPED as e:
            if attempt == attempts:
                raise
            wait = backoff.delay(attempt)
            logger.warning("%s dropped (%s); retrying in %.1f s", what, e, wait)
            (sleep or time.sleep)(wait)
    raise AssertionError("unreachable")
