"""Mart queries behind the overview and the customers page, checked against hand-written SQL and hand counts."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql

from tests.unit.portal.portal_data import REGIONS, TODAY
from warehouse import queries
from warehouse.engine import Warehouse

HAND_WRITTEN_KPIS = """
SELECT
  SUM(CASE WHEN day = :today THEN revenue ELSE 0 END)                         AS revenue_today,
  SUM(CASE WHEN day = :yesterday THEN revenue ELSE 0 END)                     AS revenue_yesterday,
  SUM(CASE WHEN day BETWEEN :week_start AND :today THEN revenue ELSE 0 END)   AS revenue_week,
  SUM(CASE WHEN day BETWEEN :pweek_start AND :pweek_end THEN revenue ELSE 0 END) AS revenue_previous_week,
  SUM(CASE WHEN day BETWEEN :month_start AND :today THEN revenue ELSE 0 END)  AS revenue_month,
  SUM(CASE WHEN day BETWEEN :pmonth_start AND :pmonth_end THEN revenue ELSE 0 END) AS revenue_previous_month,
  SUM(CASE WHEN day BETWEEN :month_start AND :today THEN new_customers ELSE 0 END) AS new_month,
  SUM(CASE WHEN day BETWEEN :pmonth_start AND :pmonth_end THEN new_customers ELSE 0 END) AS new_previous_month,
  (SELECT active_customers FROM mart_kpi_daily WHERE day = :today)            AS active,
  (SELECT active_customers FROM mart_kpi_daily WHERE day = :week_ago)         AS active_week_ago
FROM mart_kpi_daily
"""


def test_kpi_summary_equals_hand_written_sql(portal_warehouse: Warehouse) -> None:
    # Wed 12 Mar 2025: week = Mon 10-Wed 12 vs 3-5 Mar; month = 1-12 Mar vs 1-12 Feb.
    params = {
        "today": "2025-03-12",
        "yesterday": "2025-03-11",
        "week_start": "2025-03-10",
        "pweek_start": "2025-03-03",
        "pweek_end": "2025-03-05",
        "month_start": "2025-03-01",
        "pmonth_start": "2025-02-01",
        "pmonth_end": "2025-02-12",
        "week_ago": "2025-03-05",
    }
    expected = portal_warehouse.rows(sa.text(HAND_WRITTEN_KPIS), params)[0]
    got = queries.kpi_summary(portal_warehouse, TODAY)
    assert got.revenue_day == queries.Comparison(expected["revenue_today"], expected["revenue_yesterday"])
    assert got.revenue_week == queries.Comparison(expected["revenue_week"], expected["revenue_previous_week"])
    assert got.revenue_month == queries.Comparison(
        expected["revenue_month"], expected["revenue_previous_month"]
    )
    assert got.new_customers_month == queries.Comparison(
        expected["new_month"], expected["new_previous_month"]
    )
    assert (got.active_customers, got.active_customers_previous) == (
        expected["active"],
        expected["active_week_ago"],
    )
    assert got.revenue_week.growth == pytest.approx(13350 / 12300 - 1)


def test_kpi_windows_compare_the_same_elapsed_days() -> None:
    w = queries.kpi_windows(dt.date(2024, 3, 31))  # a Sunday, after a leap February
    assert (w.week.start, w.previous_week.end) == (dt.date(2024, 3, 25), dt.date(2024, 3, 24))
    assert w.previous_month == queries.Window(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    first = queries.kpi_windows(dt.date(2025, 1, 1))  # the month and year roll back together
    assert first.previous_month == queries.Window(dt.date(2024, 12, 1), dt.date(2024, 12, 1))
    assert queries.Comparison(5, 0).growth is None


def test_latest_day_is_the_default_today(portal_warehouse: Warehouse) -> None:
    assert queries.latest_day(portal_warehouse) == TODAY


def test_daily_revenue_series_and_sales_by_region(portal_warehouse: Warehouse) -> None:
    series = queries.daily_revenue(portal_warehouse, TODAY, 30)
    assert len(series) == 30 and series[0].day == TODAY - dt.timedelta(days=29) and series[-1].revenue == 4500
    by_region = queries.sales_by(portal_warehouse, "region", dt.date(2025, 3, 1), TODAY)
    # 12 days of day-grain rows; the month-grain row of 99,999 must not be added in.
    assert [(b.label, b.revenue) for b in by_region] == [
        (REGIONS[2], 3600.0),
        (REGIONS[1], 2400.0),
        (REGIONS[0], 1200.0),
    ]
    with pytest.raises(ValueError, match="sales dimension"):
        queries.sales_by_query("postcode", TODAY, TODAY)  # type: ignore[arg-type]


def test_customer_search_pages_and_counts(portal_warehouse: Warehouse) -> None:
    first, total = queries.search_customers(portal_warehouse, "", page=0, page_size=25)
    second, again = queries.search_customers(portal_warehouse, "", page=1, page_size=25)
    assert (total, again, len(first), len(second)) == (30, 30, 25, 5)
    keys = [r["customer_key"] for r in first + second]
    assert sorted(keys) == list(range(1, 31))  # no overlap, nothing missed
    assert [r["revenue_total"] for r in first[:2]] == [30000.0, 29000.0]  # default: biggest first
    assert queries.page_count(30, 25) == 2 and queries.page_count(0, 25) == 1


@pytest.mark.parametrize(
    ("term", "count"),
    [
        ("BRISTOL", 11),
        ("Buyer29@BristolBikes.example", 1),
        ("bristolbikes.example", 0),
        ("100%", 1),
        ("customer 1", 10),
        ("  ", 30),
        ("zzz", 0),
    ],
)
def test_customer_search_matches_name_city_or_email_in_any_case(
    portal_warehouse: Warehouse, term: str, count: int
) -> None:
    rows, total = queries.search_customers(portal_warehouse, term, page_size=50)
    assert total == count == len(rows)


def test_customer_search_sorts_by_any_shown_column(portal_warehouse: Warehouse) -> None:
    rows, _ = queries.search_customers(
        portal_warehouse, "", queries.CustomerSort("name", descending=False), 0, 3
    )
    assert [r["name"] for r in rows] == ["100% Cotton Co", "Bristol Bikes Ltd", "Customer 01"]
    with pytest.raises(ValueError, match="sort column"):
        queries.customer_search_query("", queries.CustomerSort("password_hash"), 0, 10)


@pytest.mark.parametrize("dialect", [mssql.dialect(), postgresql.dialect()])
def test_queries_compile_for_sql_server_and_postgresql(dialect: sa.Dialect) -> None:
    statements = [
        queries.kpi_summary_query(TODAY),
        queries.active_customers_query(TODAY),
        queries.sales_by_query("rep", TODAY, TODAY),
        queries.customer_search_query("a_b", queries.CustomerSort("email"), 2, 25),
        queries.customer_count_query("x"),
    ]
    for statement in statements:
        assert str(statement.compile(dialect=dialect))
