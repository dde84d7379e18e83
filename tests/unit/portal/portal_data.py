"""A small, hand-checkable warehouse for portal tests: 70 days of KPIs, sales marts and 30 customers.

Revenue on day i (0 = 2025-01-01) is 1000 + 50 * i, so every KPI can be worked out by hand; "today"
is 2025-03-12, a Wednesday (i = 70).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from settings import Settings
from warehouse import users
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import dim_customer, dim_sales_rep, mart_customer_kpi, mart_kpi_daily, mart_sales

FIRST_DAY = dt.date(2025, 1, 1)
TODAY = dt.date(2025, 3, 12)
PASSWORD = "correct horse battery"
REGIONS = ("London", "North West", "Scotland")
CITIES = ("Bristol", "Leeds", "London")
REPS = ("Alice Brown", "Bob Singh")


def kpi_rows() -> list[dict[str, object]]:
    rows = []
    for i in range((TODAY - FIRST_DAY).days + 1):
        rows.append(
            {
                "day": FIRST_DAY + dt.timedelta(days=i),
                "revenue": 1000.0 + 50 * i,
                "orders": 10 + i % 5,
                "active_customers": 200 + i,
                "new_customers": i % 3,
            }
        )
    return rows


def sales_rows() -> list[dict[str, object]]:
    """Day-grain rows per region (plus week/month rows that must not be double counted)."""
    rows: list[dict[str, object]] = []
    for i in range((TODAY - FIRST_DAY).days + 1):
        day = FIRST_DAY + dt.timedelta(days=i)
        for r, region in enumerate(REGIONS):
            rows.append(
                {
                    "grain": "day",
                    "period_start": day,
                    "rep": REPS[r % 2],
                    "region": region,
                    "category": "Lighting",
                    "segment": "Retail",
                    "revenue": 100.0 * (r + 1),
                    "orders": r + 1,
                    "units": 2.0,
                    "customers": 1,
                }
            )
    rows.append(
        {
            "grain": "month",
            "period_start": dt.date(2025, 3, 1),
            "rep": REPS[0],
            "region": REGIONS[0],
            "category": "Lighting",
            "segment": "Retail",
            "revenue": 99999.0,
            "orders": 99,
            "units": 9.0,
            "customers": 9,
        }
    )
    return rows


def customer_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """30 customers; names 'Customer 01'..'Customer 28' plus two with tricky names; emails in dim_customer."""
    names = [f"Customer {n:02d}" for n in range(1, 29)] + ["Bristol Bikes Ltd", "100% Cotton Co"]
    marts, dims = [], []
    for n, name in enumerate(names, start=1):
        city = CITIES[n % 3] if name != "Bristol Bikes Ltd" else "Leeds"
        marts.append(
            {
                "customer_key": n,
                "name": name,
                "city": city,
                "region": REGIONS[n % 3],
                "segment": "Retail",
                "rep": REPS[n % 2],
                "is_customer": True,
                "first_purchase": FIRST_DAY,
                "last_purchase": TODAY,
                "orders": n,
                "revenue_total": 1000.0 * n,
                "revenue_365d": 500.0 * n,
                "avg_order_value": 1000.0,
                "recency_days": n,
                "interactions_90d": 0,
                "is_active": n % 4 != 0,
            }
        )
        dims.append(
            {
                "customer_key": n,
                "name": name,
                "email": f"buyer{n:02d}@{'bristolbikes' if n == 29 else 'shop'}.example",
                "city": city,
                "is_customer": True,
                "source_count": 1,
            }
        )
    return marts, dims


def build_portal_warehouse(path: Path) -> Warehouse:
    """Create the fixture warehouse in a SQLite file at ``path``, with the demo users (password PASSWORD)."""
    warehouse = Warehouse.from_url(f"sqlite:///{path}")
    warehouse.create_all()
    marts, dims = customer_rows()
    with warehouse.begin() as conn:
        insert_rows(conn, dim_sales_rep, [{"rep_key": k, "name": n} for k, n in enumerate(REPS, start=1)])
        insert_rows(conn, mart_kpi_daily, kpi_rows())
        insert_rows(conn, mart_sales, sales_rows())
        insert_rows(conn, dim_customer, dims)
        insert_rows(conn, mart_customer_kpi, marts)
    users.ensure_demo_users(warehouse, PASSWORD)
    return warehouse


def portal_settings(var_dir: Path) -> Settings:
    """Settings that read nothing from the environment or ``.env``."""
    return Settings(_env_file=None, var_dir=var_dir, secret_key="test-secret")  # type: ignore[call-arg]


def post_callback(client: Any, outputs: list[tuple[str, str]], trigger: tuple[str, str, Any]) -> Any:
    """Call a page callback the way the browser does: ``outputs`` as (id, property), one changed input."""
    component, prop, value = trigger
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": component, "property": prop, "value": value}],
        "changedPropIds": [f"{component}.{prop}"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)
