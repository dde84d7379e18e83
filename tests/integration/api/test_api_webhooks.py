"""Webhooks against a real receiver on 127.0.0.1: signed, retried with backoff, delivered exactly once,
dead-lettered after too many failures, and redelivered by hand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from api.v1.breaker import Breakers
from api.v1.urlguard import AllowList
from api.v1.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, DeliveryPolicy, deliver, verify_signature
from tests.integration.api.conftest import serve_api
from tests.integration.loopback import serve
from tests.unit.api.api_helpers import Clock
from tests.unit.portal.portal_data import PASSWORD, build_portal_warehouse
from warehouse.engine import Warehouse

LOOPBACK = AllowList.parse("127.0.0.1")  # the receivers listen there; by default it is refused


class Receiver(BaseHTTPRequestHandler):
    """Checks each signature, fails the first ``failures`` requests with 500, and processes each
    delivery id once (a retry of a delivery it already processed is acknowledged, not processed again)."""

    state: dict[str, Any]

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        state = self.state
        with state["lock"]:
            state["requests"] += 1
            signed = verify_signature(state["secret"], self.headers[SIGNATURE_HEADER], body, time.time())
            if not signed:
                state["bad_signatures"] += 1
                status = 401
            elif state["requests"] <= state["failures"]:
                status = 500
            else:
                delivery = self.headers[DELIVERY_HEADER]
                if delivery not in state["seen"]:
                    state["seen"].add(delivery)
                    state["processed"].append(json.loads(body))
                status = 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver_state() -> dict[str, Any]:
    return {
        "lock": threading.Lock(),
        "requests": 0,
        "failures": 3,
        "secret": "",
        "seen": set(),
        "processed": [],
        "bad_signatures": 0,
    }


@pytest.fixture
def api_warehouse(tmp_path: Path) -> Warehouse:
    return build_portal_warehouse(tmp_path / "warehouse.db")


@pytest.fixture
def api(api_warehouse: Warehouse, tmp_path: Path) -> Iterator[tuple[str, requests.Session]]:
    with serve_api(api_warehouse, tmp_path, Clock(), webhook_max_attempts=5) as base:
        session = requests.Session()
        tokens = session.post(
            f"{base}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}, timeout=30
        )
        session.headers["Authorization"] = f"Bearer {tokens.json()['access_token']}"
        yield base, session


def _subscribe_and_publish(base: str, session: requests.Session, receiver: str, state: dict[str, Any]) -> str:
    created = session.post(
        f"{base}/api/v1/webhooks",
        json={"url": f"{receiver}/hook", "event_types": ["lead.created"]},
        timeout=30,
    )
    assert created.status_code == 201
    state["secret"] = created.json()["secret"]
    lead = session.post(
        f"{base}/api/v1/leads", json={"company": "Quay Supplies", "status": "new"}, timeout=30
    )
    assert lead.status_code == 201
    pending = session.get(f"{base}/api/v1/webhooks/deliveries?status=pending", timeout=30).json()
    assert len(pending) == 1 and pending[0]["event_type"] == "lead.created"
    return str(pending[0]["delivery_id"])


def test_a_receiver_failing_three_times_gets_the_event_exactly_once(
    api: tuple[str, requests.Session], api_warehouse: Warehouse, receiver_state: dict[str, Any]
) -> None:
    base, session = api
    slept: list[float] = []
    with serve(Receiver, state=receiver_state) as receiver:
        delivery_id = _subscribe_and_publish(base, session, receiver, receiver_state)
        status = deliver(
            api_warehouse,
            delivery_id,
            Clock(),
            slept.append,
            DeliveryPolicy(5, 2.0, 5.0, LOOPBACK),
            Breakers(),
        )
    assert status == "delivered"
    assert receiver_state["requests"] == 4 and receiver_state["bad_signatures"] == 0
    assert [event["id"] for event in receiver_state["processed"]] == [
        delivery_id
    ]  # once, though sent four times
    assert receiver_state["processed"][0]["type"] == "lead.created"
    assert slept == [2.0, 4.0, 8.0]  # exponential backoff between the attempts
    logged = session.get(f"{base}/api/v1/webhooks/deliveries", timeout=30).json()
    assert [(d["status"], d["attempts"], d["last_status"]) for d in logged] == [("delivered", 4, 200)]


def test_after_too_many_failures_a_delivery_is_dead_lettered_and_can_be_redelivered(
    api: tuple[str, requests.Session], api_warehouse: Warehouse, receiver_state: dict[str, Any]
) -> None:
    base, session = api
    receiver_state["failures"] = 5  # as many failures as attempts allowed
    policy = DeliveryPolicy(5, 1.0, 5.0, LOOPBACK)
    with serve(Receiver, state=receiver_state) as receiver:
        delivery_id = _subscribe_and_publish(base, session, receiver, receiver_state)
        assert (
            deliver(api_warehouse, delivery_id, Clock(), lambda _s: None, policy, Breakers(threshold=100))
            == "dead"
        )
        dead = session.get(f"{base}/api/v1/webhooks/deliveries?status=dead", timeout=30).json()
        assert [(d["delivery_id"], d["attempts"], d["last_error"]) for d in dead] == [
            (delivery_id, 5, "HTTP 500")
        ]
        assert receiver_state["processed"] == []
        again = session.post(f"{base}/api/v1/webhooks/deliveries/{delivery_id}/redeliver", timeout=30)
        assert (
            again.status_code == 202 and again.json()["status"] == "pending" and again.json()["attempts"] == 0
        )
        assert (
            deliver(api_warehouse, delivery_id, Clock(), lambda _s: None, policy, Breakers()) == "delivered"
        )
    assert [event["id"] for event in receiver_state["processed"]] == [delivery_id]
    assert session.get(f"{base}/api/v1/webhooks/deliveries?status=dead", timeout=30).json() == []


def test_an_open_circuit_stops_calling_a_failing_receiver(
    api: tuple[str, requests.Session], api_warehouse: Warehouse, receiver_state: dict[str, Any]
) -> None:
    base, session = api
    receiver_state["failures"] = 100
    with serve(Receiver, state=receiver_state) as receiver:
        delivery_id = _subscribe_and_publish(base, session, receiver, receiver_state)
        breakers = Breakers(threshold=2, reset_seconds=3600)
        status = deliver(
            api_warehouse,
            delivery_id,
            Clock(),
            lambda _s: None,
            DeliveryPolicy(5, 1.0, 5.0, LOOPBACK),
            breakers,
        )
    assert status == "dead"
    assert receiver_state["requests"] == 2  # the breaker opened after two failures: three attempts never left
    dead = session.get(f"{base}/api/v1/webhooks/deliveries?status=dead", timeout=30).json()
    assert "circuit open" in dead[0]["last_error"]
