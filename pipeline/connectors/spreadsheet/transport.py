"""HTTP transport for the client libraries: retries with backoff, and sending a fixed host elsewhere.

``gspread`` and ``instaloader`` hard-code their hosts. :class:`RedirectAdapter` is a ``requests``
transport adapter that sends the same requests to another base URL (an emulator, a recording proxy,
or the local test server); both adapters retry idempotent requests on 429/5xx and dropped
connections with exponential backoff, honouring ``Retry-After``. The shared HTTP layer
(``pipeline/connectors/http.py``, token bucket and circuit breaker) can replace this when it lands.
"""

from __future__ import annotations

import logging
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

RETRY_STATUSES: Final = (429, 500, 502, 503, 504)


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


class RedirectAdapter(HTTPAdapter):
    """Send requests for one host to ``base_url`` instead, path and query unchanged."""

    def __init__(self, base_url: str, retry: Retry | None = None) -> None:
        super().__init__(max_retries=retry or retry_policy())
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc
        self._prefix = parts.path.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit(
            (self._scheme, self._netloc, self._prefix + parts.path, parts.query, parts.fragment)
        )
        request.headers["Host"] = self._netloc
        return super().send(request, *args, **kwargs)


def mount(session: requests.Session, host: str, endpoint: str | None, retry: Retry | None = None) -> None:
    """Give ``session`` retries for ``https://host``, and send that host to ``endpoint`` when one is set."""
    adapter: HTTPAdapter
    if endpoint:
        adapter = RedirectAdapter(endpoint, retry)
        logger.info("requests for %s go to %s", host, endpoint)
    else:
        adapter = HTTPAdapter(max_retries=retry or retry_policy())
    session.mount(f"https://{host}/", adapter)
