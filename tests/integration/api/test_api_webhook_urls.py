"""Webhook URLs reach public receivers only: internal, loopback, link-local and metadata addresses and other
schemes are refused when subscribing and again at every delivery, unless an administrator allows the host."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from api.v1.breaker import Breakers
from api.v1.urlguard import AllowList, RefusedURL, check_url
from api.v1.webhooks import DeliveryPolicy, deliver, publish
from tests.integration.loopback import serve
from tests.unit.api.api_helpers import Clock, api_app, bearer, sign_in
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse
from warehouse.schema import app_api_webhook, ops_api_delivery

EVENTS = ["lead.created"]
REFUSED = {
    "http://127.0.0.1:8080/hook": "127.0.0.1 is a loopback address",
    "http://[::1]/hook": "::1 is a loopback address",
    "http://localhost:8080/hook": "localhost resolves to 127.0.0.1, which is a loopback address",
    "http://10.1.2.3/hook": "10.1.2.3 is a private address",
    "http://172.16.5.4/hook": "172.16.5.4 is a private address",
    "https://192.168.0.10/hook": "192.168.0.10 is a private address",
    "http://[fd12:3456::1]/hook": "fd12:3456::1 is a private address",
    "http://169.254.10.10/hook": "169.254.10.10 is a link-local address",
    "http://[fe80::1]/hook": "fe80::1 is a link-local address",
    "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a cloud metadata service",
    "http://100.100.100.200/latest/meta-data/": "100.100.100.200 is a cloud metadata service",
    "http://100.64.0.1/hook": "100.64.0.1 is not a public address",
    "http://0.0.0.0:8080/hook": "0.0.0.0 is an unspecified address",
    "http://no-such-host.invalid/hook": "the webhook host no-such-host.invalid does not resolve",
}


@pytest.fixture
def portal(warehouse_url: str, tmp_path: Path) -> Iterator[tuple[Warehouse, Path]]:
    warehouse = build_portal_warehouse(warehouse_url)
    try:
        yield warehouse, tmp_path
    finally:
        warehouse.engine.dispose()


def _client(portal: tuple[Warehouse, Path], allowed: str) -> Any:
    warehouse, var_dir = portal
    return api_app(warehouse, var_dir, Clock(), webhook_allowed_hosts=allowed).server.test_client()


def _urls(warehouse: Warehouse) -> list[str]:
    return [
        r["url"] for r in warehouse.rows(sa.select(app_api_webhook.c.url).order_by(app_api_webhook.c.url))
    ]


def test_internal_addresses_and_other_schemes_are_refused_with_the_reason(
    portal: tuple[Warehouse, Path],
) -> None:
    warehouse = portal[0]
    client: FlaskClient
    with _client(portal, "") as client:  # the default: no exceptions
        admin = bearer(sign_in(client, "admin"))
        for url, reason in REFUSED.items():
            answer = client.post("/api/v1/webhooks", json={"url": url, "event_types": EVENTS}, headers=admin)
            assert answer.status_code == 422, url
            error = answer.json["error"]
            assert error["message"].startswith(f"url: {reason}"), (url, error["message"])
            assert error["details"]["json"]["url"] and error["request_id"]
        for url in (
            "ftp://example.com/hook",
            "file:///etc/passwd",
            "gopher://example.com/",
            "javascript:alert(1)",
        ):
            answer = client.post("/api/v1/webhooks", json={"url": url, "event_types": EVENTS}, headers=admin)
            assert answer.status_code == 422 and "url" in answer.json["error"]["details"]["json"], url
        assert _urls(warehouse) == []
        public = client.post(
            "/api/v1/webhooks",
            json={"url": "https://93.184.216.34/hook", "event_types": EVENTS},
            headers=admin,
        )
        assert public.status_code == 201
        moved = client.patch(
            f"/api/v1/webhooks/{public.json['subscription_id']}",
            json={"url": "http://169.254.169.254/latest/meta-data/"},
            headers=admin,
        )
        assert moved.status_code == 422 and "cloud metadata" in moved.json["error"]["message"]
    assert _urls(warehouse) == ["https://93.184.216.34/hook"]


def test_an_allow_list_lets_named_hosts_and_networks_through(portal: tuple[Warehouse, Path]) -> None:
    warehouse = portal[0]
    with _client(portal, "127.0.0.1, 10.20.0.0/16, Hooks.Internal.Example") as client:
        admin = bearer(sign_in(client, "admin"))
        allowed = ["http://127.0.0.1:8080/hook", "http://localhost:8080/hook", "http://10.20.3.4/hook"]
        allowed.append("https://hooks.internal.example/c360")  # allowed by name: not even resolved
        for url in allowed:
            answer = client.post("/api/v1/webhooks", json={"url": url, "event_types": EVENTS}, headers=admin)
            assert answer.status_code == 201, (url, answer.json)
        for url in ("http://10.21.0.1/hook", "http://[::1]/hook", "http://169.254.169.254/"):
            answer = client.post("/api/v1/webhooks", json={"url": url, "event_types": EVENTS}, headers=admin)
            assert answer.status_code == 422, url
    assert _urls(warehouse) == sorted(allowed)


class Receiver(BaseHTTPRequestHandler):
    """Counts requests; answers ``status`` (with ``location`` as the Location of a redirect)."""

    state: dict[str, Any]

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.state["requests"] += 1
        self.send_response(self.state["status"])
        if self.state.get("location"):
            self.send_header("Location", self.state["location"])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_every_delivery_checks_the_address_again_and_follows_no_redirect(
    portal: tuple[Warehouse, Path],
) -> None:
    warehouse = portal[0]
    inner, outer = {"requests": 0, "status": 200}, {"requests": 0, "status": 307}
    with serve(Receiver, state=inner) as inner_url, serve(Receiver, state=outer) as outer_url:
        outer["location"] = f"{inner_url}/stolen"
        with _client(portal, "127.0.0.1") as client:  # allowed when subscribing ...
            admin = bearer(sign_in(client, "admin"))
            for url in (f"{inner_url.replace('127.0.0.1', 'localhost')}/hook", f"{outer_url}/hook"):
                assert (
                    client.post(
                        "/api/v1/webhooks", json={"url": url, "event_types": EVENTS}, headers=admin
                    ).status_code
                    == 201
                )
        publish(warehouse, "lead.created", {"source_key": "lead-1"}, Clock()())
        by_url = {
            str(r["url"]): str(r["delivery_id"])
            for r in warehouse.rows(
                sa.select(ops_api_delivery.c.delivery_id, app_api_webhook.c.url).join(
                    app_api_webhook, app_api_webhook.c.subscription_id == ops_api_delivery.c.subscription_id
                )
            )
        }
        first = next(d for url, d in by_url.items() if "localhost" in url)
        redirected = next(d for url, d in by_url.items() if url.startswith(outer_url))
        policy = DeliveryPolicy(2, 1.0, 5.0)  # ... no longer when delivering
        assert deliver(warehouse, first, Clock(), lambda _s: None, policy, Breakers()) == "dead"
        assert inner["requests"] == 0
        dead = warehouse.rows(
            sa.text("SELECT last_error FROM ops_api_delivery WHERE delivery_id = :d"), {"d": first}
        )
        assert dead[0]["last_error"].startswith(
            "refused: localhost resolves to 127.0.0.1, which is a loopback"
        )

        allowed = DeliveryPolicy(2, 1.0, 5.0, AllowList.parse("127.0.0.1"))
        assert deliver(warehouse, redirected, Clock(), lambda _s: None, allowed, Breakers()) == "dead"
        assert (outer["requests"], inner["requests"]) == (2, 0)  # the redirect was an answer, not followed
    logged = warehouse.rows(
        sa.text("SELECT last_status, last_error FROM ops_api_delivery WHERE delivery_id = :d"),
        {"d": redirected},
    )
    assert (logged[0]["last_status"], logged[0]["last_error"]) == (307, "HTTP 307")


def test_a_name_is_refused_when_any_of_its_addresses_is_internal() -> None:
    public, private = ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.5")
    assert check_url("https://hooks.example/x", AllowList(), lambda _h, _p: [public]) == [public]
    with pytest.raises(RefusedURL, match="hooks.example resolves to 10.0.0.5, which is a private address"):
        check_url("https://hooks.example/x", AllowList(), lambda _h, _p: [public, private])
    with pytest.raises(RefusedURL, match=r"::ffff:10.0.0.1 is a private address"):  # IPv4 inside IPv6
        check_url("http://[::ffff:10.0.0.1]/hook", AllowList())
    with pytest.raises(RefusedURL, match="port"):
        check_url("http://hooks.example:99999/x", AllowList())
