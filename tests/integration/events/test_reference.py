"""The embedded engine's reference data comes from the warehouse (SQLite and PostgreSQL) and drives its alerts."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from pipeline.events import Customer, StreamEngine
from pipeline.events.reference import load_campaigns, load_customers
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import dim_campaign, dim_channel, dim_customer


def build(url: str) -> Warehouse:
    """The portal's fixture warehouse (30 customers, 2 prospects, 2 reps) plus two campaigns and one segment."""
    warehouse = build_portal_warehouse(url)
    with warehouse.begin() as conn:
        insert_rows(conn, dim_channel, [{"channel_key": 1, "name": "email"}])
        campaign = {"source": "sheets", "channel_key": 1, "start_date": dt.date(2026, 12, 1)}
        insert_rows(
            conn,
            dim_campaign,
            [
                {**campaign, "campaign_key": 7, "source_key": "c7", "name": "Winter e-mail", "budget": 250.0},
                {**campaign, "campaign_key": 8, "source_key": "c8", "name": "Leaflets", "budget": None},
            ],
        )
        conn.execute(
            sa.update(dim_customer).where(dim_customer.c.customer_key == 3).values(segment="Wholesale")
        )
    return warehouse


def test_customers_are_read_with_rep_region_segment_and_churn_risk(warehouse_url: str) -> None:
    warehouse = build(warehouse_url)
    try:
        customers = load_customers(warehouse)
    finally:
        warehouse.engine.dispose()
    assert sorted(customers) == list(range(1, 33))
    assert customers[3] == Customer(3, "Bob Singh", "London", "Wholesale", 3 / 40)
    assert customers[30] == Customer(30, "Alice Brown", "London", "unknown", 0.75)
    assert customers[31] == Customer(
        31, "Alice Brown", "unknown", "unknown", 0.0
    )  # a prospect: no region, no score
    assert customers[32] == Customer(32, "unassigned", "unknown", "unknown", 0.0)  # no rep


def test_campaigns_are_read_by_key_with_their_budget(warehouse_url: str) -> None:
    warehouse = build(warehouse_url)
    try:
        campaigns = load_campaigns(warehouse)
    finally:
        warehouse.engine.dispose()
    assert {k: (c.name, c.budget) for k, c in campaigns.items()} == {
        "7": ("Winter e-mail", 250.0),
        "8": ("Leaflets", None),
    }


def test_an_engine_on_the_warehouse_alerts_the_customers_rep(warehouse_url: str) -> None:
    warehouse = build(warehouse_url)
    try:
        engine = StreamEngine(load_customers(warehouse), load_campaigns(warehouse))
    finally:
        warehouse.engine.dispose()
    base = {
        "schema_version": 1,
        "occurred_at": "2026-12-04T10:00:00.000Z",
        "source_key": None,
        "channel": "web",
    }
    visit = {**base, "event_id": "v1", "type": "visit", "customer_key": 30, "payload": {"page": "/"}}
    out = engine.process(json.dumps(visit))
    assert [(a.alert_id, a.rep, a.region) for a in out.alerts] == [
        ("churn_risk_active:30:2026-12-04", "Alice Brown", "London")
    ]
    click = {**base, "event_id": "c1", "type": "campaign_click", "customer_key": None, "source_key": "web:x"}
    out = engine.process(json.dumps({**click, "payload": {"campaign_id": "7", "cost": 200.0}}))
    assert [a.alert_id for a in out.alerts] == ["campaign_budget:7:80"]
    out = engine.process(
        json.dumps({**click, "event_id": "c2", "payload": {"campaign_id": "8", "cost": 1e6}})
    )
    assert out.alerts == []  # no budget, no budget alert
