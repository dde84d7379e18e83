"""HTTP transport for client libraries that own their ``requests`` session (gspread, instaloader, Graph).

Such a library makes its own calls, so the shared HTTP layer (``pipeline/connectors/http.py``) is brought
to it as a transport adapter mounted on its session: :class:`GuardedAdapter` retries idempotent requests on
429/5xx and dropped connections with exponential backoff (honouring ``Retry-After``), takes a token from a
per-host bucket before each request, and keeps the process-wide circuit breaker of the host it calls, so a
dead service fails fast with ``CircuitOpen`` instead of stalling the batch. It can also send a hard-coded
host to another base URL (an emulator, a recording proxy, or a local test server).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline.connectors.http import CircuitOpen, Sleep, TokenBucket, shared_breaker

logger = logging.getLogger(__name__)

RETRY_STATUSES: Final = (429, 500, 502, 503, 504)
DROPPED: Final = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)

T = TypeVar("T")


def retry_policy(attempts: int = 5, backoff: float = 0.5, max_backoff: float = 60.0) -> Retry:
    """Retry GETs on connection errors, dropped reads and 429/5xx; sleeps ``backoff * 2**n`` up to a cap."""
    retry = Retry(
        total=attempts,
        connect=attempts,
        read=attempts,
        status=attempts,
        other=0,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last response goes back to the client library, which maps it
        backoff_max=max_backoff,
    )
    return retry


class GuardedAdapter(HTTPAdapter):
    """Retries, a per-host token bucket and the host's circuit breaker; optionally a redirect to ``base_url``."""

    def __init__(
        self,
        source: str,
        retry: Retry | None = None,
        base_url: str | None = None,
        rate: float | None = None,
        burst: float = 1.0,
        sleep: Sleep = time.sleep,
        attempts_per_call: int = 1,
    ) -> None:
        super().__init__(max_retries=retry or retry_policy())
        self._source = source
        # A library that retries by itself sends each attempt through here: the circuit opens after
        # three of its calls have failed, not after three attempts of one call.
        self._threshold = 3 * max(1, attempts_per_call)
        self._target = urlsplit(base_url) if base_url else None
        self._bucket = TokenBucket(rate, burst) if rate else None
        self._sleep = sleep

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
        if self._bucket is not None:
            self._bucket.acquire(self._sleep)
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException:
            breaker.failure()
            raise
        if response.status_code in RETRY_STATUSES:
            breaker.failure()
        else:
            breaker.success()
        return response


def mount(
    session: requests.Session,
    source: str,
    root: str,
    endpoint: str | None = None,
    retry: Retry | None = None,
    rate: float | None = None,
    attempts_per_call: int = 1,
) -> None:
    """Guard ``session``'s requests to ``root`` (``https://host``), sending them to ``endpoint`` when one is set."""
    if endpoint:
        logger.info("requests for %s go to %s", root, endpoint)
    adapter = GuardedAdapter(source, retry, endpoint, rate, attempts_per_call=attempts_per_call)
    session.mount(root.rstrip("/") + "/", adapter)


def again(call: Callable[[], T], attempts: int, what: str, sleep: Sleep = time.sleep) -> T:
    """``call()``, repeated with backoff when the connection drops mid-body (urllib3 retries the rest).

    The last failure is raised as it came, for the caller to map to its own error.
    """
    for attempt in range(attempts + 1):
        try:
            return call()
        except DROPPED as e:
            if attempt == attempts:
                raise
            wait = min(0.5 * 2**attempt, 30.0)
            logger.warning("%s dropped (%s); retrying in %.1f s", what, e, wait)
            sleep(wait)
    raise AssertionError("unreachable")
