"""The drill-down queries on SQLite and PostgreSQL, and compiled for SQL Server: what each level sums and who sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.dialects import mssql

from tests.unit.portal.portal_data import REPS, build_portal_warehouse
from warehouse import drill_queries as dq
from warehouse.engine import Warehouse
from warehouse.policy import Viewer

MANAGER = Viewer("manager", "manager")
ALICE = Viewer("sales_rep", "sales_rep", rep_key=1)  # REPS[0]: customers with even keys
MARCH = dq.Filters(dt.date(2025, 3, 1), dt.date(2025, 3, 12))


@pytest.fixture()
def filled(warehouse_url: str) -> Warehouse:
    return build_portal_warehouse(warehouse_url)


def test_levels_sum_the_marts_under_the_filters(filled: Warehouse) -> None:
    regions = dq.breakdown(filled, "region", MARCH, MANAGER)
    assert [(r["key"], r["revenue"], r["orders"]) for r in regions] == [
        ("Scotland", 3600.0, 36), ("North West", 2400.0, 24), ("London", 1200.0, 12),
    ]  # fmt: skip
    london = dq.Filters(MARCH.start, MARCH.end, region="London", rep=REPS[0])
    customers = dq.breakdown(filled, "customer", london, MANAGER)
    assert [(r["key"], r["label"], r["revenue"]) for r in customers] == [
        ("30", "100% Cotton Co", 450.0), ("24", "Customer 24", 360.0), ("18", "Customer 18", 270.0),
        ("12", "Customer 12", 180.0), ("6", "Customer 06", 90.0),
    ]  # fmt: skip
    only = dq.breakdown(filled, "customer", london, MANAGER, keys=["12", "6", "x"])
    assert [r["key"] for r in only] == ["12", "6"]
    products = dq.breakdown(filled, "product", dq.Filters(MARCH.start, MARCH.end, category="Cables"), MANAGER)
    assert [(r["label"], r["revenue"]) for r in products] == [("HDMI cable", 5.0 * sum(range(1, 31)))]
    days, monthly = dq.series(filled, dq.Filters(MARCH.start, MARCH.end, region="London"), MANAGER)
    assert not monthly and len(days) == 12 and {r["revenue"] for r in days} == {100.0}
    months, monthly = dq.series(filled, dq.Filters(dt.date(2025, 1, 15), MARCH.end, customer_key=3), MANAGER)
    assert monthly and [(r["period_start"].month, r["revenue"]) for r in months] == [
        (1, 30.0),
        (2, 30.0),
        (3, 45.0),
    ]


def test_a_rep_reads_only_their_own_customers(filled: Warehouse) -> None:
    regions = {r["key"]: r["revenue"] for r in dq.breakdown(filled, "region", MARCH, ALICE)}
    expected: dict[str, float] = {}
    for n in range(2, 31, 2):
        region = ("London", "North West", "Scotland")[n % 3]
        expected[region] = expected.get(region, 0.0) + 15.0 * n
    assert regions == expected
    bob = dq.Filters(MARCH.start, MARCH.end, rep=REPS[1])
    assert dq.breakdown(filled, "customer", bob, ALICE) == []
    assert dq.total(filled, MARCH, Viewer("nobody", "sales_rep")) == (0, 0)


def test_the_queries_compile_for_sql_server() -> None:
    london = dq.Filters(
        MARCH.start, MARCH.end, region="London", rep=REPS[0], customer_key=6, product="Desk lamp"
    )
    for query in (
        dq.breakdown_query("customer", london, ALICE, keys=["6"]),
        dq.breakdown_query("region", MARCH, MANAGER),
        dq.series_query(london, MANAGER),
    ):
        sql = str(query.compile(dialect=mssql.dialect()))
        assert "mart_sales" in sql


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="drill level 'segment' is not one of region, rep, customer"):
        dq.breakdown_query("segment", MARCH, MANAGER)
