"""Row scope on writes: a sales rep writes as themselves, names by key only their own customers (another rep's
answers 404 with no data, as a missing one does), and learns nothing of other reps' customers from a write
that resembles one: it is answered exactly as a write for no customer at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.unit.api.api_helpers import Clock, api_app, bearer, sign_in
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse
from warehouse.schema import dim_customer, land_record

CALL = {"type": "Phone call", "date": "2025-03-12T10:30:00", "notes": "Asked for the spring price list"}


@pytest.fixture
def portal(warehouse_url: str, tmp_path: Path) -> Iterator[tuple[FlaskClient, Warehouse]]:
    """The portal's fixture warehouse (customer n is Alice Brown's when n is even, Bob Singh's when odd) on
    each dialect, and the API on it; the ``sales_rep`` user is Alice."""
    warehouse = build_portal_warehouse(warehouse_url)
    try:
        with api_app(warehouse, tmp_path, Clock()).server.test_client() as client:
            yield client, warehouse
    finally:
        warehouse.engine.dispose()


def _landed(warehouse: Warehouse) -> list[dict[str, object]]:
    rows = warehouse.rows(
        sa.select(land_record.c.source_key, land_record.c.payload).order_by(land_record.c.land_id)
    )
    return [{"key": r["source_key"]} | json.loads(r["payload"]) for r in rows]


def _refused_without_data(answer: object, *secrets: str) -> None:
    status = getattr(answer, "status_code", None)
    assert status == 404, getattr(answer, "json", None)
    body = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "details", "request_id"} and error["code"] == 404
    assert error["request_id"] and not any(s in body for s in secrets)


def test_a_rep_writes_for_their_own_customer_as_themselves(portal: tuple[FlaskClient, Warehouse]) -> None:
    client, warehouse = portal
    rep = bearer(sign_in(client, "sales_rep"))
    call = client.post("/api/v1/interactions", json=CALL | {"customer_key": 2}, headers=rep)
    assert call.status_code == 201, call.json
    lead = client.post("/api/v1/leads", json={"company": "Brand New Bakery", "status": "new"}, headers=rep)
    assert lead.status_code == 201, lead.json
    written = _landed(warehouse)
    assert [(w["key"], w.get("Account"), w.get("Email"), w.get("Rep"), w.get("Owner")) for w in written] == [
        (call.json["source_key"], "Customer 02", "buyer02@shop.example", "Alice Brown", None),
        (lead.json["source_key"], None, None, None, "Alice Brown"),
    ]  # the named customer's name and e-mail fill the call's, so the batch links it to that customer
    changed = client.patch(
        f"/api/v1/leads/{lead.json['source_key']}", json={"status": "contacted"}, headers=rep
    )
    assert changed.status_code == 200 and changed.json["changed"] is True


def _shape(answer: Any) -> tuple[int, str, list[str], list[str]]:
    """What a caller can tell an answer by: status, content type, header names and body keys."""
    headers = sorted(name.lower() for name, _value in answer.headers)
    return answer.status_code, answer.headers["Content-Type"], headers, sorted(answer.json)


def _bobs(warehouse: Warehouse) -> list[dict[str, object]]:
    c = dim_customer.c
    return warehouse.rows(
        sa.select(dim_customer).where(c.customer_key.in_([3, 5, 7])).order_by(c.customer_key)
    )


def test_a_write_resembling_another_reps_customer_is_answered_as_one_for_no_customer(
    portal: tuple[FlaskClient, Warehouse],
) -> None:
    client, warehouse = portal
    rep = bearer(sign_in(client, "sales_rep"))
    bobs_before = _bobs(warehouse)
    unknown = {"company": "Nobody Trading Ltd", "email": "orders@nobody-trading.example"}
    bobs = {"company": "Customer 03", "email": "BUYER03@shop.example"}  # Bob's customer 3, by name and e-mail
    pairs = {
        "create lead": [client.post("/api/v1/leads", json=body, headers=rep) for body in (unknown, bobs)],
        "create interaction": [
            client.post(
                "/api/v1/interactions",
                json=CALL | {"account": b["company"], "email": b["email"]},
                headers=rep,
            )
            for b in (unknown, {"company": "Customer 05", "email": "buyer05@shop.example"})
        ],
    }
    own = client.post("/api/v1/leads", json={"company": "Fresh Start Ltd"}, headers=rep).json["source_key"]
    pairs["update lead"] = [
        client.patch(f"/api/v1/leads/{own}", json={"email": e}, headers=rep)
        for e in ("owner@fresh-start.example", "buyer07@shop.example")  # the second is Bob's customer 7's
    ]
    for endpoint, (for_nobody, for_bobs) in pairs.items():
        assert _shape(for_bobs) == _shape(for_nobody), endpoint
        assert for_bobs.status_code in (200, 201) and for_bobs.json["changed"] is True, endpoint
        assert "customer" not in for_bobs.get_data(as_text=True).lower(), endpoint  # no key, no name
    landed = _landed(warehouse)
    assert [w.get("Written In Scope Of") for w in landed] == ["Alice Brown"] * 7  # the batch holds them apart
    assert [w.get("Customer Key") for w in landed] == [None] * 7
    assert _bobs(warehouse) == bobs_before  # nothing of Bob's customers changed

    by_key = client.post("/api/v1/interactions", json=CALL | {"customer_key": 3}, headers=rep)  # Bob's
    _refused_without_data(by_key, "Customer 03", "buyer03")
    missing = client.post("/api/v1/interactions", json=CALL | {"customer_key": 99999}, headers=rep)
    _refused_without_data(missing)
    assert (
        _shape(by_key) == _shape(missing)
        and by_key.json["error"]["message"] == missing.json["error"]["message"]
    )
    assert len(_landed(warehouse)) == 7
    manager = bearer(sign_in(client, "manager"))
    by_manager = client.post("/api/v1/interactions", json=CALL | {"customer_key": 3}, headers=manager)
    assert by_manager.status_code == 201
    assert "Written In Scope Of" not in _landed(warehouse)[-1]  # a manager's write is not held apart


def test_a_rep_cannot_name_another_owner_or_change_another_reps_lead(
    portal: tuple[FlaskClient, Warehouse],
) -> None:
    client, warehouse = portal
    rep, manager = bearer(sign_in(client, "sales_rep")), bearer(sign_in(client, "manager"))
    other_owner = client.post(
        "/api/v1/leads", json={"company": "Fresh Fields", "owner": "Bob Singh"}, headers=rep
    )
    assert other_owner.status_code == 422 and "owner" in other_owner.json["error"]["details"]["json"]
    bobs_prospect = client.post(
        "/api/v1/leads", json={"company": "Fresh Fields", "owner": "Bob Singh"}, headers=manager
    ).json["source_key"]
    bobs_customer = client.post(
        "/api/v1/leads",
        json={"company": "Customer 07", "customer_key": 7, "status": "qualified"},
        headers=manager,
    ).json["source_key"]
    for key in (bobs_prospect, bobs_customer):
        answer = client.patch(f"/api/v1/leads/{key}", json={"status": "won"}, headers=rep)
        _refused_without_data(answer, "Fresh Fields", "Customer 07")
        assert answer.json["error"]["message"] == "no lead with this key was written through the API"
    assert [w.get("Status") for w in _landed(warehouse)] == [None, "qualified"]  # neither changed
    taken = client.patch(f"/api/v1/leads/{bobs_prospect}", json={"owner": "Alice Brown"}, headers=manager)
    assert taken.status_code == 200  # a manager reassigns it; now it is Alice's to change
    assert (
        client.patch(f"/api/v1/leads/{bobs_prospect}", json={"status": "won"}, headers=rep).status_code == 200
    )
