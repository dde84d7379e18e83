"""The HTTP layer every web connector shares: retries, rate limits, a circuit breaker, proxies, error mapping.

One :class:`HttpClient` wraps a reused ``requests.Session``. Each request waits for its host's token bucket,
goes through that host's :class:`CircuitBreaker`, and is retried with exponential backoff and full jitter
(:class:`Backoff`). Client libraries that own their session (gspread, instaloader, the Graph reader) get the
same retries through :class:`pipeline.connectors.transport.GuardedAdapter`. What is retried is one table,
for both:

=====================================================  ==================================  ======================
what happened                                          retried?                            after the last retry
=====================================================  ==================================  ======================
429 Too Many Requests                                  yes; ``Retry-After`` honoured       ``RateLimited``
500 / 502 / 504                                        yes; ``Retry-After`` honoured       ``ServerError``
503 Service Unavailable                                yes; ``Retry-After`` honoured       ``ServiceUnavailable``
no answer: refused, reset, timed out, dropped mid-body yes                                 ``ConnectionFailed``
(``ConnectionError``, ``Timeout``, ``ChunkedEncodingError``)
any other status (400, 401, 403, 404 ...)              no                                  mapped at once
any other ``requests`` error (bad URL, redirects)      no                                  ``ConnectionFailed``
=====================================================  ==================================  ======================

A ``Retry-After`` (seconds or an HTTP date) is a floor under the jittered wait; one longer than
``max_retry_after`` is not waited out: the request fails at once, asking to run again later. Whatever still
fails is raised as one of the exceptions below, chosen by status code from
:data:`ERROR_CODE_EXCEPTION_MAPPING`:

SourceError
└── HttpError              an HTTP exchange failed (carries ``status`` and ``url``)
    ├── InvalidRequest     400: the request (query, parameters) was wrong; retrying will not help
    ├── AuthenticationFailed 401: the credentials or token were refused
    ├── Forbidden          403: the account may not see this
    ├── NotFound           404
    ├── RateLimited        429 after every retry: the service is throttling us
    ├── ServerError        500/502/504 after every retry
    ├── ServiceUnavailable 503 after every retry
    ├── ConnectionFailed   no answer (refused, reset, timed out, dropped mid-body) after every retry
    ├── CircuitOpen        the host failed repeatedly; calls fail fast until its cool-down ends
    └── Blocked            the site answered with a CAPTCHA or block page

The clock and sleep are injected (``clock``/``sleep``/``rng``), so tests can run the waits instantly.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import requests

from pipeline.errors import SourceError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class HttpError(SourceError):
    """An HTTP exchange with a source failed."""

    def __init__(self, source: str, message: str, status: int | None = None, url: str | None = None) -> None:
        super().__init__(source, message)
        self.status = status
        self.url = url


class InvalidRequest(HttpError):
    """The service refused the request as invalid (HTTP 400, a QuickBooks ValidationFault)."""


class AuthenticationFailed(HttpError):
    """The credentials or access token were refused (HTTP 401)."""


class Forbidden(HttpError):
    """The account is not allowed to read this (HTTP 403)."""


class NotFound(HttpError):
    """No such resource (HTTP 404)."""


class RateLimited(HttpError):
    """The service kept throttling us (HTTP 429) beyond our retry budget."""


class ServerError(HttpError):
    """The service kept failing (HTTP 500/502/504)."""


class ServiceUnavailable(HttpError):
    """The service stayed unavailable (HTTP 503)."""


class ConnectionFailed(HttpError):
    """No complete answer: refused, reset, timed out or dropped mid-body."""


class CircuitOpen(HttpError):
    """The host failed repeatedly; its circuit is open until the cool-down ends."""


class Blocked(HttpError):
    """The site answered with a CAPTCHA or block page."""


ERROR_CODE_EXCEPTION_MAPPING: Final[dict[int, tuple[type[HttpError], str]]] = {
    400: (InvalidRequest, "the request was invalid"),
    401: (AuthenticationFailed, "the credentials or access token were refused"),
    403: (Forbidden, "access is forbidden"),
    404: (NotFound, "not found"),
    429: (RateLimited, "too many requests; the service is throttling us"),
    500: (ServerError, "the service failed"),
    502: (ServerError, "bad gateway"),
    503: (ServiceUnavailable, "the service is unavailable"),
    504: (ServerError, "gateway timeout"),
}
RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
"""Statuses worth asking again: throttling and a service's passing failures (the table at the top)."""
RETRY_EXCEPTIONS: Final = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
"""Exchanges that got no complete answer: refused, reset, timed out, or dropped mid-body."""


def error_for(source: str, status: int, url: str, detail: str = "") -> HttpError:
    """Our exception for an HTTP status (the one table above; other 4xx/5xx fall back by class)."""
    cls, what = ERROR_CODE_EXCEPTION_MAPPING.get(
        status, (ServerError, "the service failed") if status >= 500 else (InvalidRequest, "request refused")
    )
    suffix = f": {detail[:300]}" if detail else ""
    return cls(source, f"HTTP {status} from {url}: {what}{suffix}", status, url)


def raise_for_error(source: str, response: requests.Response) -> None:
    """Raise our exception for an error response; do nothing for 1xx-3xx."""
    if response.status_code >= 400:
        raise error_for(source, response.status_code, response.url, response.text)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base: float = 0.5
    cap: float = 30.0
    retries: int = 5
    max_retry_after: float = 120.0  # a longer Retry-After is not waited for: the request fails instead
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, hint: float | None = None) -> float:
        """The wait before retry ``attempt + 1``; a ``Retry-After`` ``hint`` is a floor under it."""
        jitter = self.rng.uniform(0.0, min(self.cap, self.base * 2**attempt))
        return max(jitter, hint) if hint is not None else jitter


class TokenBucket:
    """At most ``rate`` requests a second on average, bursts of up to ``capacity``."""

    def __init__(self, rate: float, capacity: float = 1.0, clock: Clock = time.monotonic) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs rate > 0 and capacity >= 1")
        self.rate, self.capacity, self.clock = rate, capacity, clock
        self.tokens = capacity
        self.updated = clock()
        self._lock = threading.Lock()

    def wait_time(self) -> float:
        """Take a token if one is there (0.0), else how long until one will be."""
        with self._lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return 0.0
            return (1.0 - self.tokens) / self.rate

    def acquire(self, sleep: Sleep = time.sleep) -> None:
        while (wait := self.wait_time()) > 0:
            sleep(wait)


CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitBreaker:
    """Opens after ``threshold`` failures in a row; after ``cooldown`` seconds lets one trial call through."""

    def __init__(self, threshold: int = 3, cooldown: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.threshold, self.cooldown, self.clock = threshold, cooldown, clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return CLOSED
        return HALF_OPEN if self.clock() - self.opened_at >= self.cooldown else OPEN

    def allow(self) -> bool:
        return self.state != OPEN

    def success(self) -> None:
        self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        self.failures += 1
        if self.state == HALF_OPEN or self.failures >= self.threshold:
            self.opened_at = self.clock()


BREAKERS: dict[str, CircuitBreaker] = {}
"""The process's breakers by host: every client in a batch sees that a service is down."""


def shared_breaker(host: str, threshold: int = 3, cooldown: float = 60.0) -> CircuitBreaker:
    """The process's breaker for ``host`` (``netloc``), created with these settings on first use."""
    if host not in BREAKERS:
        BREAKERS[host] = CircuitBreaker(threshold, cooldown)
    return BREAKERS[host]


class ProxyPool:
    """Rotating proxies; one that fails is benched for ``cooldown`` seconds. ``check`` probes them all."""

    def __init__(
        self, proxies: Sequence[str], cooldown: float = 300.0, clock: Clock = time.monotonic
    ) -> None:
        self.proxies = list(proxies)
        self.cooldown, self.clock = cooldown, clock
        self.benched: dict[str, float] = {}
        self._next = 0

    def healthy(self) -> list[str]:
        now = self.clock()
        return [p for p in self.proxies if now - self.benched.get(p, -1e18) >= self.cooldown]

    def pick(self) -> str | None:
        """The next healthy proxy in turn; ``None`` when the pool is empty (go direct)."""
        if not self.proxies:
            return None
        healthy = self.healthy()
        if not healthy:
            raise ConnectionFailed(
                "proxy-pool", f"all {len(self.proxies)} proxies failed their health checks"
            )
        self._next += 1
        return healthy[self._next % len(healthy)]

    def bench(self, proxy: str) -> None:
        logger.warning("proxy %s failed; benched for %.0f s", _redact(proxy), self.cooldown)
        self.benched[proxy] = self.clock()

    def check(self, session: requests.Session, url: str, timeout: float = 5.0) -> list[str]:
        """Probe every proxy with a GET of ``url``; bench the ones that fail. Returns the healthy ones."""
        for proxy in self.proxies:
            try:
                ok = session.get(url, proxies={"http": proxy, "https": proxy}, timeout=timeout).ok
            except requests.RequestException:
                ok = False
            if ok:
                self.benched.pop(proxy, None)
            else:
                self.bench(proxy)
        return self.healthy()


def _redact(proxy: str) -> str:
    parts = urlsplit(proxy)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.hostname else "<proxy>"


@dataclass(frozen=True)
class HttpConfig:
    """HTTP settings of one source, from its ``sources.toml`` options (see docs/connectors.md)."""

    rate: float = 2.0  # requests per second per host
    burst: float = 1.0
    retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0
    timeout: float = 30.0
    breaker_threshold: int = 3
    breaker_cooldown: float = 60.0
    user_agents: tuple[str, ...] = ("Customer360-connector/0.1 (+https://miracle.example/contact)",)
    proxies: tuple[str, ...] = ()
    proxy_check_url: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> HttpConfig:
        http = options.get("http", {})
        if not isinstance(http, Mapping):
            raise TypeError("the [sources.http] option must be a table")
        known = {k: v for k, v in http.items() if k in cls.__dataclass_fields__}
        for key in ("user_agents", "proxies"):
            if key in known:
                known[key] = tuple(str(v) for v in known[key])
        return cls(**known)


class HttpClient:
    """A reused session with per-host rate limits, circuit breakers, retries, rotation and error mapping."""

    def __init__(
        self,
        source: str,
        config: HttpConfig | None = None,
        *,
        session: requests.Session | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        breakers: dict[str, CircuitBreaker] | None = None,
    ) -> None:
        self.source = source
        self.config = config or HttpConfig()
        self.session = session or requests.Session()
        self.clock, self.sleep = clock, sleep
        self.rng = rng or random.Random()  # retry backoff jitter, not a secret  # nosec B311
        self.backoff = Backoff(
            self.config.backoff_base,
            self.config.backoff_cap,
            self.config.retries,
            self.config.max_retry_after,
            self.rng,
        )
        self.buckets: dict[str, TokenBucket] = {}
        self.breakers = breakers if breakers is not None else BREAKERS
        self.proxies = ProxyPool(self.config.proxies, clock=clock)
        self._agent = 0
        if self.config.proxies and self.config.proxy_check_url:
            self.proxies.check(self.session, self.config.proxy_check_url, self.config.timeout)

    def breaker(self, host: str) -> CircuitBreaker:
        if host not in self.breakers:
            self.breakers[host] = CircuitBreaker(
                self.config.breaker_threshold, self.config.breaker_cooldown, self.clock
            )
        return self.breakers[host]

    def bucket(self, host: str) -> TokenBucket:
        if host not in self.buckets:
            self.buckets[host] = TokenBucket(self.config.rate, self.config.burst, self.clock)
        return self.buckets[host]

    def user_agent(self) -> str:
        agents = self.config.user_agents
        self._agent += 1
        return agents[self._agent % len(agents)]

    def request(
        self, method: str, url: str, *, raise_errors: bool = True, **kwargs: Any
    ) -> requests.Response:
        """Send with rate limit, breaker and retries.

        Retryable failures (:data:`RETRY_STATUSES`, :data:`RETRY_EXCEPTIONS`) that outlast the retries always
        raise; other error statuses raise too unless ``raise_errors`` is false (a client library then reads
        the body).
        """
        host = urlsplit(url).netloc
        breaker = self.breaker(host)
        if not breaker.allow():
            raise CircuitOpen(
                self.source, f"{host} failed repeatedly; not calling it until its cool-down ends"
            )
        headers = {"User-Agent": self.user_agent(), **dict(kwargs.pop("headers", None) or {})}
        kwargs.setdefault("timeout", self.config.timeout)
        for attempt in range(self.backoff.retries + 1):
            self.bucket(host).acquire(self.sleep)
            proxy = self.proxies.pick()
            if proxy is not None:
                kwargs["proxies"] = {"http": proxy, "https": proxy}
            try:
                response = self.session.request(method, url, headers=headers, **kwargs)
            except RETRY_EXCEPTIONS as e:
                if proxy is not None and isinstance(e, requests.exceptions.ProxyError):
                    self.proxies.bench(proxy)
                failure: HttpError = ConnectionFailed(
                    self.source, f"{method} {url}: {type(e).__name__}: {e}", None, url
                )
                cause: Exception | None = e
                hint = None
            except requests.RequestException as e:  # not a passing failure: asking again will not help
                raise ConnectionFailed(
                    self.source, f"{method} {url}: {type(e).__name__}: {e}", None, url
                ) from e
            else:
                if response.status_code not in RETRY_STATUSES:
                    breaker.success()
                    if raise_errors:
                        raise_for_error(self.source, response)
                    return response
                failure = error_for(self.source, response.status_code, url, response.text[:200])
                cause = None
                hint = retry_after(response.headers.get("Retry-After"))
                if hint is not None and hint > self.backoff.max_retry_after:
                    breaker.success()  # the service answered; it asked for a pause we will not wait out
                    raise type(failure)(
                        self.source,
                        f"HTTP {response.status_code} from {url} asks us to wait {hint:.0f} s "
                        f"(over our limit of {self.backoff.max_retry_after:.0f} s); run again later",
                        response.status_code,
                        url,
                    )
            if attempt == self.backoff.retries:
                break
            delay = self.backoff.delay(attempt, hint)
            logger.info("%s: %s; retry %d in %.2f s", self.source, failure, attempt + 1, delay)
            self.sleep(delay)
        breaker.failure()
        logger.warning("%s: giving up after %d attempts: %s", self.source, self.backoff.retries + 1, failure)
        raise failure from cause

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def close(self) -> None:
        self.session.close()
