"""The customers count is counted once per term, reader and data version: it follows a batch and an
erasure, and a rep and a manager each see their own count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from components import ids
from tests.unit.portal.portal_data import build_portal_warehouse, call_callback, portal_settings, sign_in
from warehouse.schema import mart_customer_kpi, ops_batch_run, privacy_request

OUTPUTS = [(ids.CUSTOMERS_TABLE, "page_count"), (ids.CUSTOMERS_COUNT, "children")]


def shown(client, term: str = "") -> str:  # type: ignore[no-untyped-def]
    answer = call_callback(client, OUTPUTS, [(ids.CUSTOMERS_SEARCH, "value", term)])
    assert answer.status_code == 200
    return str(answer.get_json()["response"][ids.CUSTOMERS_COUNT]["children"])


def test_the_count_follows_batches_and_erasures_and_each_reader_sees_their_own(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(portal_settings(tmp_path), warehouse)
    manager, rep = app.server.test_client(), app.server.test_client()
    assert sign_in(manager, "manager").status_code == 303
    assert sign_in(rep, "sales_rep").status_code == 303
    assert shown(manager) == "30 customers" and shown(manager, "Bristol") == "11 customers"
    assert shown(rep) == "15 customers"  # the rep's own customers
    with warehouse.begin() as conn:  # the marts step of a batch removes customer 30 (in Bristol)
        conn.execute(mart_customer_kpi.delete().where(mart_customer_kpi.c.customer_key == 30))
    assert shown(manager) == "30 customers"  # no batch yet: the count read before stands
    with warehouse.begin() as conn:
        conn.execute(
            sa.insert(ops_batch_run).values(
                started_at=dt.datetime(2026, 12, 1, 6),
                status="running",
                trigger="cli",
                input_fingerprint="x",
            )
        )
    assert shown(manager) == "29 customers" and shown(manager, "Bristol") == "10 customers"
    with warehouse.begin() as conn:  # an erasure between batches removes Bristol Bikes Ltd
        conn.execute(mart_customer_kpi.delete().where(mart_customer_kpi.c.customer_key == 29))
        conn.execute(
            sa.insert(privacy_request).values(
                kind="erasure",
                customer_key=29,
                status="completed",
                requested_at=dt.datetime(2026, 12, 1, 7),
                requested_by="admin",
                completed_at=dt.datetime(2026, 12, 1, 7, 1),
            )
        )
    assert shown(manager, "Bristol") == "9 customers" and shown(manager) == "28 customers"
    warehouse.engine.dispose()
