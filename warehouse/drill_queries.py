"""Read queries behind the portal's drill-down charts: revenue per time bucket, place and product under filters.

Reads ``mart_sales`` (day grain; region, rep, category) and, for the customer and product levels or a
sales rep's own view, ``mart_sales_detail`` (month grain; per customer and product). A viewer who may
not read every customer always reads the detail, scoped by :func:`warehouse.policy.customer_scope`, so
a rep's charts add up to their own customers only. Builders are pure; runners take the warehouse.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope
from warehouse.schema import mart_sales, mart_sales_detail

logger = logging.getLogger(__name__)

BREAKDOWN_LEVELS = ("region", "rep", "customer", "category", "product")
DETAIL_LEVELS = frozenset({"customer", "product"})
TOP = 15  # bars per chart: the largest first


@dataclass(frozen=True)
class Filters:
    """What the drill paths pin: a region, rep and customer; a category and product; the dates."""

    start: dt.date
    end: dt.date
    region: str | None = None
    rep: str | None = None
    customer_key: int | None = None
    category: str | None = None
    product: str | None = None

    @property
    def needs_detail(self) -> bool:
        return self.customer_key is not None or self.product is not None


def uses_detail(filters: Filters, level: str | None, viewer: Viewer) -> bool:
    """Whether a chart must read the month-grain detail (customer or product level, or a scoped viewer)."""
    return filters.needs_detail or level in DETAIL_LEVELS or not viewer.all_customers


def _month_floor(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _where(filters: Filters, detail: bool, viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    table = mart_sales_detail if detail else mart_sales
    c = table.c
    terms: list[sa.ColumnElement[bool]] = []
    if detail:
        terms.append(c.month_start.between(_month_floor(filters.start), filters.end))
        terms.append(customer_scope(viewer, c.customer_key))
        if filters.customer_key is not None:
            terms.append(c.customer_key == filters.customer_key)
        if filters.product is not None:
            terms.append(c.product == filters.product)
    else:
        terms += [c.grain == "day", c.period_start.between(filters.start, filters.end)]
    for name in ("region", "rep", "category"):
        value = getattr(filters, name)
        if value is not None:
            terms.append(c[name] == value)
    return terms


def breakdown_query(
    level: str, filters: Filters, viewer: Viewer, top: int = TOP, keys: Sequence[str] | None = None
) -> sa.Select[Any]:
    """Revenue and orders per ``level`` value (``key``, ``label``) under ``filters``, largest first, at most
    ``top``; with ``keys``, only those values (the comparison period of the bars on screen)."""
    if level not in BREAKDOWN_LEVELS:
        raise ValueError(f"drill level {level!r} is not one of {', '.join(BREAKDOWN_LEVELS)}")
    detail = uses_detail(filters, level, viewer)
    c = (mart_sales_detail if detail else mart_sales).c
    if level == "customer":
        key: sa.ColumnElement[Any] = sa.cast(c.customer_key, sa.String(20))
        label: sa.ColumnElement[Any] = sa.func.max(c.customer)
        group: list[sa.ColumnElement[Any]] = [c.customer_key]
    else:
        key = c[level]
        label = c[level]
        group = [c[level]]
    revenue = sa.func.sum(c.revenue).label("revenue")
    terms = _where(filters, detail, viewer)
    if keys is not None and level == "customer":
        terms.append(c.customer_key.in_([int(k) for k in keys if k.isdigit()]))
    elif keys is not None:
        terms.append(c[level].in_(list(keys)))
    return (
        sa.select(key.label("key"), label.label("label"), revenue, sa.func.sum(c.orders).label("orders"))
        .where(*terms)
        .group_by(*group)
        .order_by(revenue.desc(), *group)
        .limit(max(1, top))
    )


def breakdown(
    warehouse: Warehouse,
    level: str,
    filters: Filters,
    viewer: Viewer,
    top: int = TOP,
    keys: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of :func:`breakdown_query` with plain numbers."""
    if filters.start > filters.end or (keys is not None and not keys):
        return []
    return [
        {
            "key": str(r["key"]),
            "label": str(r["label"]),
            "revenue": float(r["revenue"] or 0),
            "orders": int(r["orders"] or 0),
        }
        for r in warehouse.rows(breakdown_query(level, filters, viewer, top, keys))
    ]


def series_query(filters: Filters, viewer: Viewer) -> sa.Select[Any]:
    """Revenue and orders per day (per month when the detail is read) under ``filters``, oldest first."""
    detail = uses_detail(filters, None, viewer)
    c = (mart_sales_detail if detail else mart_sales).c
    period = c.month_start if detail else c.period_start
    return (
        sa.select(
            period.label("period_start"),
            sa.func.sum(c.revenue).label("revenue"),
            sa.func.sum(c.orders).label("orders"),
        )
        .where(*_where(filters, detail, viewer))
        .group_by(period)
        .order_by(period)
    )


def series(warehouse: Warehouse, filters: Filters, viewer: Viewer) -> tuple[list[dict[str, Any]], bool]:
    """The rows of :func:`series_query` and whether they are months (detail) rather than days."""
    if filters.start > filters.end:
        return [], uses_detail(filters, None, viewer)
    rows = [
        {
            "period_start": r["period_start"],
            "revenue": float(r["revenue"] or 0),
            "orders": int(r["orders"] or 0),
        }
        for r in warehouse.rows(series_query(filters, viewer))
    ]
    return rows, uses_detail(filters, None, viewer)


def total(warehouse: Warehouse, filters: Filters, viewer: Viewer) -> tuple[float, int]:
    """Revenue and orders under ``filters`` (the figure the comparison period is set against)."""
    rows, _ = series(warehouse, filters, viewer)
    return sum(r["revenue"] for r in rows), sum(r["orders"] for r in rows)


def customer_names(warehouse: Warehouse, keys: list[int]) -> dict[str, str]:
    """Customer names by key (as text) for breadcrumbs, from the detail mart."""
    if not keys:
        return {}
    c = mart_sales_detail.c
    query = (
        sa.select(c.customer_key, sa.func.max(c.customer).label("customer"))
        .where(c.customer_key.in_(keys))
        .group_by(c.customer_key)
    )
    return {str(r["customer_key"]): str(r["customer"]) for r in warehouse.rows(query)}


__all__ = [
    "BREAKDOWN_LEVELS",
    "Filters",
    "breakdown",
    "breakdown_query",
    "customer_names",
    "series",
    "series_query",
    "total",
    "uses_detail",
]
