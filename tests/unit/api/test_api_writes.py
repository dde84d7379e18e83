"""Leads and interactions written through the API: validated like source records, landed with lineage."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.unit.api.api_helpers import bearer, sign_in
from warehouse.engine import Warehouse
from warehouse.schema import land_record, ops_api_delivery, ops_batch_run, ops_lineage_edge


def test_a_new_lead_lands_raw_in_its_own_batch_with_lineage(
    client: FlaskClient, api_warehouse: Warehouse
) -> None:
    rep = bearer(sign_in(client, "sales_rep"))
    body = {
        "company": "Harbour Lights Ltd",
        "contact": "Ann Lee",
        "email": "ann@harbour.example",
        "status": "new",
        "value": 1200,
    }
    created = client.post("/api/v1/leads", json=body, headers=rep)
    assert created.status_code == 201, created.json
    landed = created.json
    assert landed["source"] == "api" and landed["entity"] == "Lead" and landed["changed"] is True
    row = api_warehouse.rows(sa.select(land_record).where(land_record.c.land_id == landed["land_id"]))[0]
    assert json.loads(row["payload"]) == {
        "Company": "Harbour Lights Ltd", "Contact": "Ann Lee", "Email": "ann@harbour.example", "Status": "new",
        "Est. Value (£)": 1200.0, "Owner": "Alice Brown", "Written In Scope Of": "Alice Brown",
    }  # fmt: skip  # a rep's lead names them as its owner, and the batch keeps it to their own customers
    batch = api_warehouse.rows(
        sa.select(ops_batch_run).where(ops_batch_run.c.batch_id == landed["batch_id"])
    )[0]
    assert (batch["trigger"], batch["status"]) == ("api", "succeeded")
    edges = api_warehouse.rows(
        sa.select(ops_lineage_edge).where(ops_lineage_edge.c.batch_id == landed["batch_id"])
    )
    assert [(e["source_node"], e["target_node"], e["rows"]) for e in edges] == [
        ("api:Lead", "land_record", 1)
    ]


def test_a_lead_breaking_a_source_rule_is_refused_naming_the_field_and_kept_in_quarantine(
    client: FlaskClient, api_warehouse: Warehouse
) -> None:
    rep = bearer(sign_in(client, "sales_rep"))
    bad_status = client.post("/api/v1/leads", json={"company": "X Ltd", "status": "maybe"}, headers=rep)
    assert bad_status.status_code == 422
    details = bad_status.json["error"]["details"]
    assert details["json"]["status"][0].startswith("enum:")
    blank = client.post("/api/v1/leads", json={"company": "   "}, headers=rep)  # the sheet's "required" rule
    assert blank.status_code == 422 and blank.json["error"]["details"]["json"]["company"][0].startswith(
        "required"
    )
    missing = client.post("/api/v1/leads", json={"contact": "Nobody"}, headers=rep)  # not a record at all
    assert missing.status_code == 422 and "company" in missing.json["error"]["details"]["json"]
    assert "quarantined" not in missing.json["error"]["details"]
    kept = api_warehouse.rows(sa.select(land_record).order_by(land_record.c.land_id))
    assert [(r["land_id"], r["source_key"]) for r in kept] == [
        (d["quarantined"]["land_id"], d["quarantined"]["source_key"])
        for d in (details, blank.json["error"]["details"])
    ]  # landed raw, so the next batch keeps them in stg_reject with their reason
    assert json.loads(kept[0]["payload"])["Status"] == "maybe"
    assert api_warehouse.rows(sa.select(ops_api_delivery)) == []  # nobody is told of a refused lead


def test_updating_a_lead_lands_a_new_version_and_an_unchanged_one_lands_nothing(
    client: FlaskClient, api_warehouse: Warehouse
) -> None:
    manager = bearer(sign_in(client, "manager"))
    key = client.post("/api/v1/leads", json={"company": "Fern & Co", "status": "new"}, headers=manager).json[
        "source_key"
    ]
    changed = client.patch(f"/api/v1/leads/{key}", json={"status": "qualified"}, headers=manager)
    assert changed.status_code == 200 and changed.json["changed"] is True
    again = client.patch(f"/api/v1/leads/{key}", json={"status": "qualified"}, headers=manager)
    assert again.status_code == 200 and again.json["changed"] is False
    versions = api_warehouse.rows(
        sa.select(land_record.c.payload)
        .where(land_record.c.source_key == key)
        .order_by(land_record.c.land_id)
    )
    assert [json.loads(v["payload"])["Status"] for v in versions] == ["new", "qualified"]
    assert json.loads(versions[-1]["payload"])["Company"] == "Fern & Co"
    assert (
        client.patch("/api/v1/leads/lead-unknown", json={"status": "won"}, headers=manager).status_code == 404
    )


def test_an_interaction_lands_and_is_queued_for_subscribers(
    client: FlaskClient, api_warehouse: Warehouse
) -> None:
    manager = bearer(sign_in(client, "manager"))
    hook = {"url": "http://127.0.0.1:9/hook", "event_types": ["interaction.created"]}
    assert client.post("/api/v1/webhooks", json=hook, headers=manager).status_code == 201
    body = {
        "type": "Phone call",
        "date": "2025-03-12T10:30:00",
        "account": "Customer 02",
        "notes": "Wants a quote",
    }
    created = client.post("/api/v1/interactions", json=body, headers=manager)
    assert created.status_code == 201 and created.json["entity"] == "Activity"
    queued = api_warehouse.rows(sa.select(ops_api_delivery))
    assert [(d["event_type"], d["status"]) for d in queued] == [("interaction.created", "pending")]
    assert json.loads(queued[0]["payload"])["data"]["source_key"] == created.json["source_key"]
    no_type = client.post(
        "/api/v1/interactions",
        json={"type": "fax", "date": "2025-03-12T10:30:00", "account": "A"},
        headers=manager,
    )
    assert no_type.status_code == 422 and "type" in no_type.json["error"]["details"]["json"]


def test_analysts_cannot_write(client: FlaskClient) -> None:
    analyst = bearer(sign_in(client, "analyst"))
    assert client.post("/api/v1/leads", json={"company": "X"}, headers=analyst).status_code == 403
