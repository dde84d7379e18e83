"""The customers list reads through indexes: the same rows as the unindexed query, NULLs last, no table sort."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from components.customers_table import SORTABLE
from warehouse.engine import Warehouse, insert_rows
from warehouse.policy import Viewer
from warehouse.queries import (
    CustomerSort,
    _customer_column,
    count_customers,
    customer_count_query,
    customer_search_query,
    search_customers,
)
from warehouse.schema import dim_customer, dim_sales_rep, mart_customer_kpi

# Every sort the customers page offers (its status column sorts by is_active), except e-mail: e-mail is
# stored encrypted where configured and is not offered an index.
OFFERED = sorted((SORTABLE - {"email"}) | {"is_active"})
CITIES = ("London", "Leeds", "Bristol", None)
REPS = ("Alice Brown", "Bob Singh", None)
VIEWERS = [None, Viewer("ana", "analyst"), Viewer("sam", "sales_rep", rep_key=2)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """600 customers with NULLs in every nullable column and many ties (the shapes the demo has)."""
    rng = random.Random(18)
    wh = Warehouse.from_url(f"sqlite:///{tmp_path_factory.mktemp('sorts') / 'w.db'}")
    wh.create_all()
    marts, dims = [], []
    for key in range(1, 601):
        city, rep = rng.choice(CITIES), rng.choice(REPS)
        bought = rng.random() < 0.8
        last = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300)) if bought else None
        revenue = round(rng.choice([0.0, 0.0, rng.uniform(10, 9000)]), 2) if bought else 0.0
        marts.append(
            {"customer_key": key, "name": f"Firm {rng.randrange(200):03d}", "city": city,
             "region": None if city is None else f"Region {len(city)}", "segment": rng.choice(["Retail", None]),
             "rep": rep, "is_customer": True, "first_purchase": last, "last_purchase": last,
             "orders": rng.randrange(4) if bought else 0, "revenue_total": revenue, "revenue_365d": revenue / 2,
             "avg_order_value": 0.0, "recency_days": None if last is None else (dt.date(2026, 11, 1) - last).days,
             "interactions_90d": 0, "is_active": rng.random() < 0.5}
        )  # fmt: skip
        dims.append({"customer_key": key, "name": marts[-1]["name"], "email": f"c{key}@firm.example",
                     "rep_key": None if rep is None else REPS.index(rep) + 1, "is_customer": True,
                     "source_count": 1})  # fmt: skip
    with wh.begin() as conn:
        insert_rows(conn, dim_sales_rep, [{"rep_key": n, "name": r} for n, r in enumerate(REPS[:2], start=1)])
        insert_rows(conn, dim_customer, dims)
        insert_rows(conn, mart_customer_kpi, marts)
    return wh


def unindexed_query(
    term: str, sort: CustomerSort, page: int, size: int, viewer: Viewer | None
) -> sa.Select[Any]:
    """The query as it was before the sort indexes: a parameterised NULLs-last CASE on every column."""
    column = _customer_column(sort.column)
    return (
        customer_search_query(term, sort, page, size, viewer)
        .order_by(None)
        .order_by(
            sa.case((column.is_(None), 1), else_=0),
            column.desc() if sort.descending else column.asc(),
            mart_customer_kpi.c.customer_key,
        )
    )


# E-mails are encrypted at rest: an e-mail sort orders by their keyed hash (equal addresses together), so it has
# no "before" to equal.
@pytest.mark.parametrize("column", OFFERED)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_every_sort_gives_the_same_pages_as_before(
    warehouse: Warehouse, column: str, descending: bool
) -> None:
    sort = CustomerSort(column, descending)
    for viewer in VIEWERS:
        if viewer is not None and column == "email" and not viewer.sees_pii:
            continue  # a masked field does not sort (the page falls back to its default sort)
        for term in ("", "lon", "firm 01"):
            for page in (0, 1, 7):
                new = warehouse.rows(customer_search_query(term, sort, page, 25, viewer))
                old = warehouse.rows(unindexed_query(term, sort, page, 25, viewer))
                assert new == old, (column, descending, viewer, term, page)


@pytest.mark.parametrize("column", ["city", "rep", "last_purchase", "segment"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_customers_without_a_value_come_last_in_either_direction(
    warehouse: Warehouse, column: str, descending: bool
) -> None:
    values = [
        r[column] for r in warehouse.rows(customer_search_query("", CustomerSort(column, descending), 0, 500))
    ]
    first_null = values.index(None)
    assert all(v is None for v in values[first_null:]) and first_null > 0
    present = values[:first_null]
    assert present == sorted(present, reverse=descending)


@pytest.mark.parametrize("column", OFFERED)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("page", [0, 3])
def test_each_offered_sort_is_read_in_index_order(
    warehouse: Warehouse, column: str, descending: bool, page: int
) -> None:
    """SQLite walks a sort index and stops after the page: no sort of the whole customer table."""
    statement = customer_search_query("", CustomerSort(column, descending), page, 25)
    sql = str(statement.compile(warehouse.engine, compile_kwargs={"literal_binds": True}))
    with warehouse.engine.connect() as conn:
        plan = [str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    scans = [step for step in plan if "mart_customer_kpi" in step]
    assert len(scans) == 1 and scans[0].startswith("SCAN mart_customer_kpi USING INDEX ix_"), plan
    assert column in scans[0] and ("desc" in scans[0]) == descending, plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_count_is_asked_apart_and_without_the_join_when_nothing_is_searched(warehouse: Warehouse) -> None:
    assert "dim_customer" not in str(customer_count_query(""))
    assert "dim_customer" in str(customer_count_query("lon"))
    for viewer in VIEWERS:
        for term in ("", "lon"):
            everything = [
                row
                for page in (0, 1)
                for row in warehouse.rows(customer_search_query(term, CustomerSort(), page, 500, viewer))
            ]
            assert count_customers(warehouse, term, viewer) == len(everything)
            assert search_customers(warehouse, term, None, 0, 25, viewer)[1] == len(everything)


def test_sales_by_member_reads_the_summary_and_says_what_mart_sales_says(tmp_path: Path) -> None:
    """The Overview's breakdown from mart_sales_by_day equals grouping mart_sales's day grain per request."""
    from tests.unit.portal.portal_data import build_portal_warehouse
    from warehouse.queries import SALES_DIMENSIONS, sales_by
    from warehouse.schema import mart_sales

    wh = build_portal_warehouse(tmp_path / "portal.db")
    s = mart_sales.c
    start, end = dt.date(2025, 1, 1), dt.date(2025, 3, 12)
    for dimension in SALES_DIMENSIONS:
        revenue = sa.func.sum(s.revenue).label("revenue")
        per_request = (
            sa.select(s[dimension].label("label"), revenue, sa.func.sum(s.orders).label("orders"))
            .where(s.grain == "day", s.period_start.between(start, end))
            .group_by(s[dimension])
            .order_by(revenue.desc(), s[dimension])
        )
        expected = [(str(r["label"]), float(r["revenue"]), int(r["orders"])) for r in wh.rows(per_request)]
        got = [(b.label, b.revenue, b.orders) for b in sales_by(wh, dimension, start, end)]
        assert got == expected and got, dimension
