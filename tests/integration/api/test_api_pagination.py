"""Walking every page of 10,000 customers while others are inserted returns each exactly once."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import requests

from tests.integration.api.conftest import serve_api
from tests.unit.api.api_helpers import Clock
from tests.unit.portal.portal_data import PASSWORD
from warehouse import users
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import dim_customer, dim_sales_rep, mart_customer_kpi

CUSTOMERS = 10_000


def _customer(key: int, revenue: float) -> tuple[dict[str, Any], dict[str, Any]]:
    mart = {
        "customer_key": key, "name": f"Customer {key:06d}", "city": "Leeds", "region": "North", "segment": "Retail",
        "rep": "Alice Brown", "is_customer": True, "orders": key % 9, "revenue_total": revenue, "revenue_365d": 0.0,
        "avg_order_value": 0.0, "interactions_90d": 0, "is_active": True,
    }  # fmt: skip
    dim = {"customer_key": key, "name": mart["name"], "rep_key": 1, "is_customer": True, "source_count": 1}
    return mart, dim


def _load(warehouse: Warehouse, keys: range, rng: random.Random) -> None:
    rows = [_customer(k, float(rng.randrange(0, 50) * 100)) for k in keys]  # many ties in the sort key
    with warehouse.begin() as conn:
        insert_rows(conn, dim_customer, [d for _, d in rows])
        insert_rows(conn, mart_customer_kpi, [m for m, _ in rows])


def test_every_customer_once_across_pages_while_others_are_inserted(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.create_all()
    with warehouse.begin() as conn:
        insert_rows(conn, dim_sales_rep, [{"rep_key": 1, "name": "Alice Brown"}])
    users.ensure_demo_users(warehouse, PASSWORD)
    rng = random.Random(7)
    _load(warehouse, range(1, CUSTOMERS + 1), rng)
    stop = threading.Event()
    inserted: list[int] = []

    def insert_more() -> None:
        next_key, writer_rng = CUSTOMERS + 1, random.Random(8)
        while not stop.is_set():
            _load(warehouse, range(next_key, next_key + 25), writer_rng)
            inserted.extend(range(next_key, next_key + 25))
            next_key += 25
            stop.wait(0.01)

    with serve_api(warehouse, tmp_path, Clock(), api_rate_limit="100000 per minute") as base:
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "manager", "password": PASSWORD}, timeout=30
        ).json()["access_token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        writer = threading.Thread(target=insert_more, daemon=True)
        writer.start()
        seen: list[int] = []
        pages = 0
        url = f"{base}/api/v1/customers?sort=-revenue_total&limit=250"
        try:
            while True:
                page = session.get(url, timeout=60)
                assert page.status_code == 200, page.text
                body = page.json()
                seen += [c["customer_key"] for c in body["items"]]
                pages += 1
                if body["next_cursor"] is None:
                    break
                url = f"{base}/api/v1/customers?sort=-revenue_total&limit=250&cursor={body['next_cursor']}"
        finally:
            stop.set()
            writer.join(timeout=30)
    assert inserted, "the writer inserted nothing while the pages were walked"
    assert len(seen) == len(set(seen))  # no customer twice
    assert set(range(1, CUSTOMERS + 1)) <= set(seen)  # every customer that was there throughout, once
    assert pages >= CUSTOMERS // 250
