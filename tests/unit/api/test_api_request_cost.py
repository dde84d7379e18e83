"""What makes an API call cheap keeps every check: a token verified once still expires and is still revoked,
and the rate limit still counts and resets while its counters are swept once a second."""

from __future__ import annotations

import sys
import threading
import time

from flask.testing import FlaskClient
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from api.v1 import quota
from tests.unit.api.api_helpers import Clock, bearer, sign_in


def test_a_token_used_before_still_expires_on_time(client: FlaskClient, clock: Clock) -> None:
    tokens = sign_in(client, "manager")
    for _ in range(3):  # checked once, then remembered
        assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 200
    clock.advance(minutes=15, seconds=1)
    answer = client.get("/api/v1/me", headers=bearer(tokens))
    assert answer.status_code == 401 and "expired" in answer.json["error"]["message"]


def test_a_token_used_before_ends_when_its_user_signs_out(client: FlaskClient) -> None:
    tokens = sign_in(client, "manager")
    assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 200
    assert client.post("/api/v1/auth/revoke", headers=bearer(tokens)).status_code == 204
    answer = client.get("/api/v1/customers/1", headers=bearer(tokens))
    assert answer.status_code == 401 and "customer" not in answer.json


def test_the_rate_limit_counts_and_resets_with_counters_swept_once_a_second() -> None:
    storage = storage_from_string(quota.storage_uri("memory://"))
    assert isinstance(storage, quota.SweptMemoryStorage)
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("50 per 1 second")
    before = threading.active_count()
    allowed = [limiter.hit(limit, "user:1") for _ in range(60)]
    assert allowed == [True] * 50 + [False] * 10
    assert threading.active_count() <= before + 1  # one sweeper for the burst, not one per call
    time.sleep(1.05)
    assert limiter.hit(limit, "user:1")  # a new window
    assert (
        quota.storage_uri("redis://cache:6379") == "redis://cache:6379"
    )  # shared storage left as configured


def test_many_calls_at_once_as_a_sweep_ends_never_fail() -> None:
    """Threads that all find the sweeper ended start one between them: two starting the same one answered a
    call with a 500 under load (seen at 50 clients; here threads switch often to make that moment likely)."""
    storage = quota.SweptMemoryStorage("c360-memory://")
    storage.sweep_seconds = 0.0  # every sweep ends at once, so calls keep racing to start the next
    failures: list[BaseException] = []
    start = threading.Barrier(16)

    def calls() -> None:
        start.wait()
        for n in range(2000):
            try:
                storage.incr(f"user:{n % 7}", 60)
            except RuntimeError as e:
                failures.append(e)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=calls) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert storage.get("user:0") > 0
