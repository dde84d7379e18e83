"""Webhook signatures, backoff, the circuit breaker, cursors and forwarding live alerts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import pytest

from api.v1 import webhooks
from api.v1.breaker import CircuitBreaker, CircuitOpen
from api.v1.cursor import CursorError, decode, encode
from tests.unit.portal.portal_data import build_portal_warehouse

NOW = dt.datetime(2025, 3, 12, 9, 0)


def test_a_signature_is_hmac_sha256_over_timestamp_and_body_and_expires() -> None:
    body = b'{"id":"d1","type":"lead.created"}'
    header = webhooks.sign("whsec_abc", 1_700_000_000, body)
    expected = hmac.new(b"whsec_abc", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert webhooks.verify_signature("whsec_abc", header, body, now=1_700_000_100)
    assert not webhooks.verify_signature("whsec_abc", header, body + b" ", now=1_700_000_100)  # body changed
    assert not webhooks.verify_signature("whsec_other", header, body, now=1_700_000_100)  # another secret
    assert not webhooks.verify_signature("whsec_abc", header, body, now=1_700_000_301)  # a replay, too late
    assert not webhooks.verify_signature("whsec_abc", "t=x,v1=00", body, now=1_700_000_000)


def test_backoff_doubles_from_the_base() -> None:
    assert [webhooks.backoff(n, 2.0) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_the_breaker_opens_after_the_threshold_and_lets_one_trial_through_later() -> None:
    now = [0.0]
    breaker = CircuitBreaker("crm.example", threshold=3, reset_seconds=30, clock=lambda: now[0])
    for _ in range(3):
        breaker.before_call()
        breaker.record(False)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    now[0] = 31.0
    assert breaker.state == "half_open"
    breaker.before_call()  # the trial call
    breaker.record(True)
    assert breaker.state == "closed"


def test_a_cursor_round_trips_and_refuses_edits() -> None:
    key = b"k" * 32
    cursor = encode(key, "-revenue_total", 1200.5, 77)
    assert decode(key, "-revenue_total", cursor) == (1200.5, 77)
    dated = encode(key, "name", dt.date(2025, 1, 2), 3)
    assert decode(key, "name", dated) == (dt.date(2025, 1, 2), 3)
    with pytest.raises(CursorError):
        decode(b"j" * 32, "-revenue_total", cursor)
    with pytest.raises(CursorError):
        decode(key, "name", cursor)


def test_each_live_alert_is_queued_once_per_subscriber_even_from_two_processes(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    webhooks.create_subscription(warehouse, "http://127.0.0.1:9/a", ["alert.raised"], "admin", NOW)
    webhooks.create_subscription(warehouse, "http://127.0.0.1:9/b", ["lead.created"], "admin", NOW)
    alerts = [{"alert_id": "big-1", "rule": "big_order", "severity": "info"}]
    first = webhooks.AlertForwarder(warehouse, lambda: alerts, lambda: NOW)
    second = webhooks.AlertForwarder(warehouse, lambda: alerts, lambda: NOW)  # another server process
    assert first.forward() == 1 and first.forward() == 0
    second.forward()
    queued = webhooks.deliveries(warehouse)
    assert [(d["event_type"], d["subscription_id"]) for d in queued] == [("alert.raised", 1)]
