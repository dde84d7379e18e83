"""Sign-in throttling and lockout, and the security events (with their alerts) an administrator sees."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dash import Dash
from flask.testing import FlaskClient

from tests.unit.portal.portal_data import call_callback, sign_in
from tests.unit.portal.security_helpers import Clock, security_app
from warehouse import security_events
from warehouse.engine import Warehouse
from warehouse.schema import sec_event


class AlertInbox(BaseHTTPRequestHandler):
    """Collects the JSON bodies posted to it (the alert webhook's receiving end)."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def inbox() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Inbox", (AlertInbox,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/alerts", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for(received: list[dict[str, Any]], kind: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in received if r["kind"] == kind]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no {kind} alert arrived within {timeout} s; got {received}")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def events(warehouse: Warehouse, kind: str) -> list[dict[str, Any]]:
    return warehouse.rows(sa.select(sec_event).where(sec_event.c.kind == kind).order_by(sec_event.c.id))


def warehouse_of(app: Dash) -> Warehouse:
    warehouse: Warehouse = app.server.extensions["customer360"].warehouse
    return warehouse


def error_shown(client: FlaskClient) -> str:
    return client.get("/_dash-layout").data.decode()


def test_failures_slow_down_then_ten_lock_the_account_and_the_right_password_waits(
    tmp_path: Path, clock: Clock, inbox: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = inbox
    app = security_app(tmp_path, clock, security_alert_webhook=url)
    client = app.server.test_client()
    for attempt in range(1, 4):
        assert sign_in(client, "analyst", f"guess {attempt}").headers["Location"] == "/login"
    shown = error_shown(client)
    assert "Try again in 1 s" in shown, shown  # the third failure starts the delays
    assert sign_in(client, "analyst").headers["Location"] == "/login"  # even the right password waits
    assert "Try again in 1 s" in error_shown(client)
    for attempt in range(4, 11):
        clock.advance(seconds=61)
        assert sign_in(client, "analyst", f"guess {attempt}").headers["Location"] == "/login"
    assert "locked" in error_shown(client)
    warehouse = warehouse_of(app)
    assert [e["username"] for e in events(warehouse, "lockout")] == ["analyst"]
    assert len(events(warehouse, "login_failed")) == 10
    clock.advance(minutes=14)
    assert sign_in(client, "analyst").headers["Location"] == "/login"  # right password, still locked
    assert "this account is locked. Try again in 1 min" in error_shown(client)
    clock.advance(minutes=1, seconds=1)
    assert sign_in(client, "analyst").headers["Location"] == "/"
    alert = wait_for(received, "lockout")
    assert alert["username"] == "analyst" and alert["address"] == "127.0.0.1"


def test_two_hundred_guesses_in_a_minute_mostly_never_reach_the_password_check(
    tmp_path: Path, clock: Clock
) -> None:
    app = security_app(tmp_path, clock)
    client = app.server.test_client()
    for attempt in range(200):
        sign_in(client, "manager", f"guess {attempt}")
        clock.advance(seconds=0.295)  # 200 tries in 59 s
    warehouse = warehouse_of(app)
    checked = len(events(warehouse, "login_failed"))
    assert checked <= 8  # 2 free, then 1, 2, 4, 8, 16, 32 s apart
    assert sign_in(client, "manager").headers["Location"] == "/login"
    held = events(warehouse, "rate_limited")  # the flood is one alert, not 190
    assert len(held) == 1 and held[0]["address"] == "127.0.0.1" and "held back" in held[0]["detail"]


def test_a_burst_from_one_address_and_a_sign_in_from_a_new_address_raise_alerts(
    tmp_path: Path, clock: Clock, inbox: tuple[str, list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    url, received = inbox
    app = security_app(tmp_path, clock, security_alert_webhook=url, burst_failures=6)
    sprayer = app.server.test_client()
    sprayer.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    users = ["analyst", "marketing", "manager", "sales_rep", "admin", "data_steward"]
    with caplog.at_level("WARNING", logger="security"):
        for username in users:  # one guess per account: password spraying
            sign_in(sprayer, username, "Winter2026!")
            clock.advance(seconds=2)
    alert = wait_for(received, "burst")
    assert alert["address"] == "203.0.113.9" and "6 failed sign-ins" in alert["detail"]
    assert any("burst" in r.getMessage() for r in caplog.records)

    office = app.server.test_client()
    office.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert sign_in(office, "analyst").headers["Location"] == "/"
    assert not [r for r in received if r["kind"] == "new_address"]  # the first sign-in sets the baseline
    travelling = app.server.test_client()
    travelling.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert sign_in(travelling, "analyst").headers["Location"] == "/"
    alert = wait_for(received, "new_address")
    assert (
        alert["username"] == "analyst"
        and alert["address"] == "198.51.100.23"
        and "10.0.0.7" in alert["detail"]
    )


def page(client: FlaskClient, path: str, search: str = "") -> str:
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", search)],
    )
    assert response.status_code == 200
    return json.dumps(response.json, ensure_ascii=False)  # Dash escapes "/" as \u002f


def test_administrators_list_security_events_with_filters(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock)
    warehouse = warehouse_of(app)
    security_events.report(warehouse, "bulk_export", "manager", "10.0.0.8", "5000 customers as CSV", clock())
    security_events.report(warehouse, "login_failed", "analyst", "10.0.0.9", None, clock())
    admin = app.server.test_client()
    assert sign_in(admin, "admin").headers["Location"] == "/"
    everything = page(admin, "/admin/security")
    assert "5000 customers as CSV" in everything and "10.0.0.9" in everything
    exports = page(admin, "/admin/security", "?kind=bulk_export")
    assert "5000 customers as CSV" in exports and "10.0.0.9" not in exports
    by_user = page(admin, "/admin/security", "?user=analyst")
    assert "10.0.0.9" in by_user and "5000 customers" not in by_user
    analyst = app.server.test_client()
    assert sign_in(analyst, "analyst").headers["Location"] == "/"
    refused = page(analyst, "/admin/security")
    assert "Only administrators see security events." in refused and "5000 customers" not in refused
