"""Read queries over the marts for the portal and the API: pure statement builders plus runners.

Builders (``*_query``) return SQLAlchemy Core statements and touch no database, so tests can compile
them; runners take a :class:`~warehouse.engine.Warehouse` and return plain Python values. Nothing
here is dialect-specific: a search term goes through :func:`warehouse.search.customer_text_matches`
(a text index on each backend), paging uses ``LIMIT/OFFSET`` (``OFFSET ... FETCH`` on SQL Server, which is why every
paged query has a total ``ORDER BY``), and NULLs sort last on every dialect via an explicit ``CASE``
(indexed: ``warehouse.schema.portal_indexes``).

KPI growth definition (shown in the portal): each period is compared with the *same elapsed part* of
the previous period, so a Wednesday's week-to-date (Mon-Wed) is compared with last week's Mon-Wed and
the 12th's month-to-date (1st-12th) with the previous month's 1st-12th (clamped to that month's last
day, so 31 March compares with 1-28/29 February). Growth = (current - previous) / previous, and is
``None`` when the previous period is zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope, mask_rows, searchable_fields
from warehouse.schema import dim_customer, mart_customer_kpi, mart_kpi_daily, mart_sales_by_day
from warehouse.search import SearchPlan, customer_text_matches, match_count_query, search_plan

SalesDimension = Literal["region", "rep", "category", "segment"]
SALES_DIMENSIONS: tuple[SalesDimension, ...] = ("region", "rep", "category", "segment")

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_key",
    "name",
    "email",
    "city",
    "region",
    "segment",
    "rep",
    "orders",
    "revenue_total",
    "revenue_365d",
    "last_purchase",
    "recency_days",
    "is_active",
)
MAX_PAGE_SIZE = 500


# --- KPI summary -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """An inclusive date range."""

    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class KpiWindows:
    """The current and comparison windows of each KPI period for one ``today``."""

    today: Window
    yesterday: Window
    week: Window
    previous_week: Window
    month: Window
    previous_month: Window

    @property
    def earliest(self) -> dt.date:
        return min(self.previous_month.start, self.previous_week.start, self.yesterday.start)


def kpi_windows(today: dt.date) -> KpiWindows:
    """Day, ISO week (Monday start) and calendar month to date, each with the same elapsed span before it."""
    yesterday = today - dt.timedelta(days=1)
    week_start = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    previous_month_end = month_start - dt.timedelta(days=1)
    previous_month_start = previous_month_end.replace(day=1)
    elapsed = today - month_start
    return KpiWindows(
        today=Window(today, today),
        yesterday=Window(yesterday, yesterday),
        week=Window(week_start, today),
        previous_week=Window(week_start - dt.timedelta(days=7), today - dt.timedelta(days=7)),
        month=Window(month_start, today),
        previous_month=Window(previous_month_start, min(previous_month_start + elapsed, previous_month_end)),
    )


@dataclass(frozen=True)
class Comparison:
    """A value for a period and for the same elapsed part of the period before."""

    current: float
    previous: float

    @property
    def growth(self) -> float | None:
        """(current - previous) / previous; ``None`` when there is nothing to compare with."""
        if self.previous == 0:
            return None
        return (self.current - self.previous) / self.previous


@dataclass(frozen=True)
class KpiSummary:
    """The overview's headline numbers for one day."""

    today: dt.date
    revenue_day: Comparison  # today vs yesterday
    revenue_week: Comparison  # week to date vs last week's same days
    revenue_month: Comparison  # month to date vs last month's same days
    new_customers_month: Comparison  # first purchases, month to date vs last month's same days
    active_customers: int  # bought in the 90 days up to today (latest mart row on or before today)
    active_customers_previous: int  # the same, a week earlier


def _window_sum(column: sa.ColumnElement[Any], window: Window, label: str) -> sa.Label[Any]:
    day = mart_kpi_daily.c.day
    return sa.func.coalesce(
        sa.func.sum(sa.case((day.between(window.start, window.end), column), else_=0)), 0
    ).label(label)


def kpi_summary_query(today: dt.date) -> sa.Select[Any]:
    """One row of revenue and new-customer sums over every window of :func:`kpi_windows`."""
    w = kpi_windows(today)
    revenue, new = mart_kpi_daily.c.revenue, mart_kpi_daily.c.new_customers
    return sa.select(
        _window_sum(revenue, w.today, "revenue_today"),
        _window_sum(revenue, w.yesterday, "revenue_yesterday"),
        _window_sum(revenue, w.week, "revenue_week"),
        _window_sum(revenue, w.previous_week, "revenue_previous_week"),
        _window_sum(revenue, w.month, "revenue_month"),
        _window_sum(revenue, w.previous_month, "revenue_previous_month"),
        _window_sum(new, w.month, "new_month"),
        _window_sum(new, w.previous_month, "new_previous_month"),
    ).where(mart_kpi_daily.c.day.between(w.earliest, today))


def active_customers_query(on_or_before: dt.date) -> sa.Select[Any]:
    """The active-customer count of the latest mart day on or before a date."""
    return (
        sa.select(mart_kpi_daily.c.active_customers)
        .where(mart_kpi_daily.c.day <= on_or_before)
        .order_by(mart_kpi_daily.c.day.desc())
        .limit(1)
    )


def latest_day_query() -> sa.Select[Any]:
    return sa.select(sa.func.max(mart_kpi_daily.c.day))


def latest_day(warehouse: Warehouse) -> dt.date | None:
    """The latest day in ``mart_kpi_daily`` (the portal's default "today"); ``None`` when the mart is empty."""
    value = warehouse.scalar(latest_day_query())
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # max() over a SQLite DATE comes back as text


def kpi_summary(warehouse: Warehouse, today: dt.date) -> KpiSummary:
    """The overview KPIs for ``today`` (see the module docstring for the growth definition)."""
    row = warehouse.rows(kpi_summary_query(today))[0]
    active = warehouse.scalar(active_customers_query(today))
    active_before = warehouse.scalar(active_customers_query(today - dt.timedelta(days=7)))
    return KpiSummary(
        today=today,
        revenue_day=Comparison(float(row["revenue_today"]), float(row["revenue_yesterday"])),
        revenue_week=Comparison(float(row["revenue_week"]), float(row["revenue_previous_week"])),
        revenue_month=Comparison(float(row["revenue_month"]), float(row["revenue_previous_month"])),
        new_customers_month=Comparison(float(row["new_month"]), float(row["new_previous_month"])),
        active_customers=int(active or 0),
        active_customers_previous=int(active_before or 0),
    )


# --- series and breakdowns -------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyRevenue:
    day: dt.date
    revenue: float
    orders: int


def daily_revenue_query(end: dt.date, days: int) -> sa.Select[Any]:
    """Revenue and orders per day for the ``days`` days ending on ``end``, oldest first."""
    start = end - dt.timedelta(days=days - 1)
    k = mart_kpi_daily.c
    return sa.select(k.day, k.revenue, k.orders).where(k.day.between(start, end)).order_by(k.day)


def daily_revenue(warehouse: Warehouse, end: dt.date, days: int) -> list[DailyRevenue]:
    return [
        DailyRevenue(r["day"], float(r["revenue"]), int(r["orders"]))
        for r in warehouse.rows(daily_revenue_query(end, days))
    ]


@dataclass(frozen=True)
class SalesBreakdown:
    label: str
    revenue: float
    orders: int


def sales_by_query(dimension: SalesDimension, start: dt.date, end: dt.date) -> sa.Select[Any]:
    """Revenue and orders per region, rep, category or segment over a date range, largest first.

    Reads the summary ``mart_sales_by_day`` (mart_sales's day grain summed per member and day, so the
    week and month rows are not counted twice): days x members rows by primary key, not every combination.
    """
    if dimension not in SALES_DIMENSIONS:
        raise ValueError(f"sales dimension {dimension!r} is not one of {', '.join(SALES_DIMENSIONS)}")
    s = mart_sales_by_day.c
    revenue = sa.func.sum(s.revenue).label("revenue")
    return (
        sa.select(s.label.label("label"), revenue, sa.func.sum(s.orders).label("orders"))
        .where(s.dimension == dimension, s.day.between(start, end))
        .group_by(s.label)
        .order_by(revenue.desc(), s.label)
    )


def sales_by(
    warehouse: Warehouse, dimension: SalesDimension, start: dt.date, end: dt.date
) -> list[SalesBreakdown]:
    return [
        SalesBreakdown(str(r["label"]), float(r["revenue"] or 0), int(r["orders"] or 0))
        for r in warehouse.rows(sales_by_query(dimension, start, end))
    ]


# --- paging and ordering shared by the paged queries ------------------------------------------------


def check_page(page: int, page_size: int) -> None:
    """Refuse a page before the first or a page size outside 1..``MAX_PAGE_SIZE``."""
    if page < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(
            f"page {page} / page_size {page_size}: need page >= 0 and 1 <= page_size <= {MAX_PAGE_SIZE}"
        )


def nulls_last(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """An ORDER BY term that puts NULLs of ``column`` after every value, on every dialect.

    The numbers are literals, not parameters, so the expression indexes of
    ``warehouse.schema.portal_indexes`` match it.
    """
    return sa.case((column.is_(None), sa.literal_column("1")), else_=sa.literal_column("0"))


def _may_be_null(column: sa.ColumnElement[Any]) -> bool:
    return not isinstance(column, sa.Column) or bool(column.nullable)


# --- customers search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerSort:
    column: str = "revenue_total"
    descending: bool = True


def _customer_source() -> sa.FromClause:
    return mart_customer_kpi.outerjoin(
        dim_customer, dim_customer.c.customer_key == mart_customer_kpi.c.customer_key
    )


def _fields(viewer: Viewer | None) -> tuple[str, ...]:
    return ("name", "city", "email") if viewer is None else searchable_fields(viewer)


def _customer_filter(
    term: str, viewer: Viewer | None = None, plan: SearchPlan = "keys"
) -> sa.ColumnElement[bool]:
    """Rows ``viewer`` may read (every row without one) whose searchable fields contain ``term``."""
    scope = sa.true() if viewer is None else customer_scope(viewer, mart_customer_kpi.c.customer_key)
    term = term.strip()
    if not term:
        return scope
    return sa.and_(scope, customer_text_matches(term, _fields(viewer), plan=plan))


def _customer_column(name: str) -> sa.ColumnElement[Any]:
    if name not in CUSTOMER_COLUMNS:
        raise ValueError(f"customer sort column {name!r} is not one of {', '.join(CUSTOMER_COLUMNS)}")
    return dim_customer.c.email if name == "email" else mart_customer_kpi.c[name]


def _sort_column(name: str) -> sa.ColumnElement[Any]:
    """What a sort orders by: e-mails are encrypted, so their keyed hash (equal addresses together)."""
    return dim_customer.c.email_hash if name == "email" else _customer_column(name)


def customer_search_query(
    term: str,
    sort: CustomerSort,
    page: int,
    page_size: int,
    viewer: Viewer | None = None,
    plan: SearchPlan = "keys",
) -> sa.Select[Any]:
    """One page of customers whose name or city contains ``term`` or whose e-mail is ``term`` (any case), sorted.

    ``page`` counts from 0. Ties are broken by ``customer_key`` so pages never overlap. With a
    ``viewer``, only the customers they may read, and a masked field neither matches nor sorts.
    ``plan``: how SQLite reads the page (:func:`warehouse.search.search_plan`).
    """
    check_page(page, page_size)
    if viewer is not None and sort.column not in searchable_fields(viewer) + tuple(
        c for c in CUSTOMER_COLUMNS if c != "email"
    ):
        raise ValueError(f"customer sort column {sort.column!r} is masked for role {viewer.role!r}")
    column = _sort_column(sort.column)
    return (
        sa.select(*(_customer_column(c).label(c) for c in CUSTOMER_COLUMNS))
        .select_from(_customer_source())
        .where(_customer_filter(term, viewer, plan))
        .order_by(
            *([nulls_last(column)] if _may_be_null(column) else []),  # a NOT NULL column sorts by its index
            column.desc() if sort.descending else column.asc(),
            mart_customer_kpi.c.customer_key,
        )
        .limit(page_size)
        .offset(page * page_size)
    )


def customer_count_query(
    term: str, viewer: Viewer | None = None, plan: SearchPlan = "keys"
) -> sa.Select[Any]:
    """How many customers :func:`customer_search_query` matches over all pages.

    Without a search term the outer join to ``dim_customer`` (one row per key at most) cannot change
    the count, so only ``mart_customer_kpi``'s primary key is counted. A common term (``plan`` not ``keys``) seen by a
    viewer of every customer counts the text index's matches (each a customer) and the e-mail match.
    """
    source = _customer_source() if term.strip() else mart_customer_kpi
    query = sa.select(sa.func.count()).select_from(source).where(_customer_filter(term, viewer))
    if plan != "keys" and term.strip() and (viewer is None or viewer.all_customers):
        return match_count_query(term, _fields(viewer), query)
    return query


def _plan(warehouse: Warehouse, term: str, viewer: Viewer | None) -> SearchPlan:
    """How to read a page of ``term``'s matches: in sort order for a common term seen by a viewer of every
    customer; a rep's own customers (few) are read first and sorted."""
    if viewer is not None and not viewer.all_customers:
        return "keys"
    return search_plan(warehouse, term, _fields(viewer))


def count_customers(warehouse: Warehouse, term: str = "", viewer: Viewer | None = None) -> int:
    """The number of customers a search matches, asked for apart from the page so the page shows first."""
    plan = _plan(warehouse, term, viewer)
    return int(warehouse.scalar(customer_count_query(term, viewer, plan)) or 0)


def customer_page(
    warehouse: Warehouse,
    term: str = "",
    sort: CustomerSort | None = None,
    page: int = 0,
    page_size: int = 25,
    viewer: Viewer | None = None,
) -> list[dict[str, Any]]:
    """One page of matching customers without the total (see :func:`count_customers`)."""
    plan = _plan(warehouse, term, viewer)
    rows = warehouse.rows(customer_search_query(term, sort or CustomerSort(), page, page_size, viewer, plan))
    return rows if viewer is None else mask_rows(viewer, rows)


def search_customers(
    warehouse: Warehouse,
    term: str = "",
    sort: CustomerSort | None = None,
    page: int = 0,
    page_size: int = 25,
    viewer: Viewer | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of matching customers and the total number of matches; with a ``viewer``, only the
    customers they may read, masked as the policy says (the portal always passes one)."""
    return customer_page(warehouse, term, sort, page, page_size, viewer), count_customers(
        warehouse, term, viewer
    )


def page_count(total: int, page_size: int) -> int:
    """Pages needed for ``total`` rows; at least 1 so an empty result still shows page 1 of 1."""
    return max(1, -(-total // page_size))
