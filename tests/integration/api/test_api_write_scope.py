"""Row scope on writes: a sales rep adds and changes leads and interactions only for their own customers,
as themselves; another rep's customer answers 404 with no data, as reading it does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.unit.api.api_helpers import Clock, api_app, bearer, sign_in
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse
from warehouse.schema import land_record

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


def test_another_reps_customer_answers_404_and_nothing_is_written(
    portal: tuple[FlaskClient, Warehouse],
) -> None:
    client, warehouse = portal
    rep = bearer(sign_in(client, "sales_rep"))
    by_key = client.post("/api/v1/interactions", json=CALL | {"customer_key": 3}, headers=rep)  # Bob's
    _refused_without_data(by_key, "Customer 03", "buyer03")
    missing = client.post("/api/v1/interactions", json=CALL | {"customer_key": 99999}, headers=rep)
    _refused_without_data(missing)
    assert (
        by_key.json["error"]["message"] == missing.json["error"]["message"]
    )  # the same as no customer at all
    by_email = client.post(
        "/api/v1/leads", json={"company": "Whoever Ltd", "email": "BUYER03@shop.example"}, headers=rep
    )  # the identity match finds Bob's customer by e-mail
    _refused_without_data(by_email, "Customer 03")
    by_name = client.post("/api/v1/interactions", json=CALL | {"account": "Customer 05"}, headers=rep)
    _refused_without_data(by_name, "buyer05")
    assert _landed(warehouse) == []
    manager = bearer(sign_in(client, "manager"))
    assert (
        client.post("/api/v1/interactions", json=CALL | {"customer_key": 3}, headers=manager).status_code
        == 201
    )


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
