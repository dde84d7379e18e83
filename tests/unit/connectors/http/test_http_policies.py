"""The shared HTTP layer's policies, on a fake clock: backoff, token bucket, circuit breaker, error table."""

from __future__ import annotations

import random

import pytest

from pipeline.connectors import http
from pipeline.errors import SourceError
from tests.integration.connectors.conftest import FakeClock


def test_full_jitter_stays_under_the_exponential_cap_and_honours_retry_after() -> None:
    backoff = http.Backoff(base=0.5, cap=4.0, rng=random.Random(1))
    for attempt in range(8):
        for _ in range(50):
            assert 0.0 <= backoff.delay(attempt) <= min(4.0, 0.5 * 2**attempt)
    assert backoff.delay(0, hint=7.0) == 7.0  # the server's Retry-After wins over a shorter jitter


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert http.retry_after("3") == 3.0
    assert http.retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == pytest.approx(10.0)
    assert http.retry_after("soon") is None
    assert http.retry_after(None) is None


def test_token_bucket_holds_the_rate_after_its_burst() -> None:
    clock = FakeClock()
    bucket = http.TokenBucket(rate=4.0, capacity=2, clock=clock)
    for _ in range(10):
        bucket.acquire(clock.sleep)
    # 2 from the burst, then 8 more at 4 a second: 2 seconds of waiting.
    assert clock.now - 1000.0 == pytest.approx(2.0)


def test_breaker_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    clock = FakeClock()
    breaker = http.CircuitBreaker(threshold=3, cooldown=60, clock=clock)
    for _ in range(3):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state == http.OPEN and not breaker.allow()
    clock.sleep(60)
    assert breaker.state == http.HALF_OPEN and breaker.allow()
    breaker.failure()  # the trial call failed: open again at once
    assert breaker.state == http.OPEN
    clock.sleep(60)
    breaker.success()
    assert breaker.state == http.CLOSED and breaker.failures == 0


def test_every_mapped_status_is_a_source_error_naming_the_source() -> None:
    for status, (cls, _) in http.ERROR_CODE_EXCEPTION_MAPPING.items():
        error = http.error_for("qbo", status, "http://x/y", "detail")
        assert isinstance(error, cls) and isinstance(error, SourceError)
        assert error.status == status and "qbo" in str(error) and "detail" in str(error)
    assert isinstance(http.error_for("s", 418, "u"), http.InvalidRequest)
    assert isinstance(http.error_for("s", 599, "u"), http.ServerError)


def test_proxy_pool_rotates_over_healthy_proxies_only() -> None:
    clock = FakeClock()
    pool = http.ProxyPool(["http://a:1", "http://b:2", "http://c:3"], cooldown=30, clock=clock)
    pool.bench("http://b:2")
    picked = {pool.pick() for _ in range(6)}
    assert picked == {"http://a:1", "http://c:3"}
    clock.sleep(30)
    assert "http://b:2" in {pool.pick() for _ in range(6)}
    for p in pool.proxies:
        pool.bench(p)
    with pytest.raises(http.ConnectionFailed, match="all 3 proxies"):
        pool.pick()


def test_open_circuit_fails_fast_without_touching_the_network() -> None:
    clock = FakeClock()
    breakers = {"127.0.0.1:9": http.CircuitBreaker(1, 60, clock)}
    breakers["127.0.0.1:9"].failure()
    client = http.HttpClient("dead", clock=clock, sleep=clock.sleep, breakers=breakers)
    client.session = None  # type: ignore[assignment]  # any network use would raise AttributeError
    with pytest.raises(http.CircuitOpen, match="failed repeatedly"):
        client.get("http://127.0.0.1:9/anything")


def test_http_config_reads_the_sources_toml_table() -> None:
    config = http.HttpConfig.from_options({"http": {"rate": 0.5, "user_agents": ["A", "B"], "unknown": 1}})
    assert config.rate == 0.5 and config.user_agents == ("A", "B")
    with pytest.raises(TypeError):
        http.HttpConfig.from_options({"http": "fast"})
