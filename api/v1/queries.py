"""The API's read queries: pure statement builders, every one limited to the rows the viewer may read.

Masking is applied by the views through :mod:`warehouse.policy` (``mask_rows``) after the rows are read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope, searchable_fields
from warehouse.queries import CUSTOMER_COLUMNS
from warehouse.schema import (
    customer_xref,
    dim_channel,
    dim_customer,
    fact_interaction,
    fact_sales_line,
    mart_campaign_performance,
    mart_customer_kpi,
    mart_customer_score,
    mart_kpi_daily,
    mart_sales_forecast,
    model_registry,
    stg_customer,
)
from warehouse.schema.encrypted import hash_matches
from warehouse.search import SearchPlan, customer_text_matches, search_plan

k, d = mart_customer_kpi, dim_customer
SORTS: dict[str, sa.ColumnElement[Any]] = {
    "customer_key": k.c.customer_key,
    "name": k.c.name,
    "revenue_total": k.c.revenue_total,
    "orders": k.c.orders,
}
SORT_CHOICES: tuple[str, ...] = tuple(s for name in SORTS for s in (name, f"-{name}"))


def plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as floats."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: plain(value) for name, value in row.items()}


def _column(name: str) -> sa.ColumnElement[Any]:
    return d.c.email if name == "email" else k.c[name]


def customer_filters(
    viewer: Viewer, filters: dict[str, Any], plan: SearchPlan = "keys"
) -> list[sa.ColumnElement[bool]]:
    """WHERE terms for the list filters; masked fields may not be filtered on (that would leak them).
    ``plan``: how SQLite reads a page of the search term's matches (:func:`page_plan`)."""
    terms: list[sa.ColumnElement[bool]] = [customer_scope(viewer, k.c.customer_key)]
    if filters.get("q"):  # name or city contain it; the whole e-mail (by its keyed hash) for PII roles
        fields = searchable_fields(viewer)
        terms.append(customer_text_matches(filters["q"], fields, k.c.customer_key, plan))
    if filters.get("name"):
        terms.append(k.c.name.istartswith(filters["name"], autoescape=True))
    if filters.get("email"):
        if not viewer.sees_pii:
            raise PermissionError("email is masked for your role and cannot be filtered on")
        terms.append(hash_matches(d.c.email_hash, "email", filters["email"]))
    for name in ("rep", "region", "city", "segment"):
        if filters.get(name):
            terms.append(k.c[name] == filters[name])
    if filters.get("rep_key") is not None:
        terms.append(d.c.rep_key == filters["rep_key"])
    if filters.get("is_active") is not None:
        terms.append(k.c.is_active == sa.true() if filters["is_active"] else k.c.is_active == sa.false())
    if filters.get("min_revenue") is not None:
        terms.append(k.c.revenue_total >= filters["min_revenue"])
    if filters.get("max_revenue") is not None:
        terms.append(k.c.revenue_total <= filters["max_revenue"])
    return terms


def page_plan(warehouse: Warehouse, viewer: Viewer, filters: dict[str, Any]) -> SearchPlan:
    """How to read a page of the search term's matches: in sort order for a common term and a caller who
    reads every customer (``warehouse.search.search_plan``); a rep's own customers are read first."""
    term = filters.get("q") or ""
    if not term.strip() or not viewer.all_customers:
        return "keys"
    return search_plan(warehouse, term, searchable_fields(viewer))


def customer_page_query(
    viewer: Viewer,
    filters: dict[str, Any],
    sort: str,
    after: tuple[Any, int] | None,
    limit: int,
    plan: SearchPlan = "keys",
) -> sa.Select[Any]:
    """``limit`` customers after the cursor position ``after`` in the order (sort column, customer key).

    Keyset paging: rows inserted while a client walks the pages never shift a page, so each row that
    exists throughout the walk is returned exactly once.
    """
    descending = sort.startswith("-")
    column = SORTS[sort.lstrip("-")]
    terms = customer_filters(viewer, filters, plan)
    if after is not None:
        value, key = after
        beyond = column < value if descending else column > value
        terms.append(sa.or_(beyond, sa.and_(column == value, k.c.customer_key > key)))
    return (
        sa.select(*(_column(c).label(c) for c in CUSTOMER_COLUMNS))
        .select_from(k.outerjoin(d, d.c.customer_key == k.c.customer_key))
        .where(*terms)
        .order_by(column.desc() if descending else column.asc(), k.c.customer_key)
        .limit(limit)
    )


def transactions_query(customer_key: int, limit: int) -> sa.Select[Any]:
    """The customer's documents (invoices, sales receipts ...), newest first, with totals."""
    f = fact_sales_line
    return (
        sa.select(
            f.c.source,
            f.c.doc_type,
            f.c.doc_key,
            sa.func.max(f.c.date_key).label("date_key"),
            sa.func.count().label("lines"),
            sa.func.sum(f.c.amount).label("amount"),
            sa.func.max(f.c.doc_currency).label("currency"),
        )
        .where(f.c.customer_key == customer_key)
        .group_by(f.c.source, f.c.doc_type, f.c.doc_key)
        .order_by(sa.func.max(f.c.date_key).desc(), f.c.doc_key)
        .limit(limit)
    )


def timeline_query(customer_key: int, limit: int) -> sa.Select[Any]:
    i = fact_interaction
    return (
        sa.select(i.c.occurred_at, i.c.kind, dim_channel.c.name.label("channel"), i.c.source, i.c.text)
        .select_from(i.outerjoin(dim_channel, dim_channel.c.channel_key == i.c.channel_key))
        .where(i.c.customer_key == customer_key)
        .order_by(i.c.occurred_at.desc(), i.c.source, i.c.source_key)
        .limit(limit)
    )


def leads_query(viewer: Viewer, status: str | None, limit: int, offset: int) -> sa.Select[Any]:
    """Leads from every source, with their golden customer and lead score, best scored first."""
    s, x, sc = stg_customer, customer_xref, mart_customer_score
    query = (
        sa.select(
            s.c.source,
            s.c.source_key,
            x.c.customer_key,
            s.c.display_name.label("company"),
            s.c.email,
            s.c.phone,
            s.c.city,
            s.c.sales_rep.label("owner"),
            s.c.lead_status.label("status"),
            s.c.lead_value.label("value"),
            sc.c.lead_score,
        )
        .select_from(
            s.join(x, (x.c.source == s.c.source) & (x.c.source_key == s.c.source_key)).outerjoin(
                sc, sc.c.customer_key == x.c.customer_key
            )
        )
        .where(s.c.entity == "Lead", customer_scope(viewer, x.c.customer_key))
        .order_by(
            sa.case((sc.c.lead_score.is_(None), 1), else_=0),
            sc.c.lead_score.desc(),
            s.c.source,
            s.c.source_key,
        )
        .limit(limit)
        .offset(offset)
    )
    return query.where(s.c.lead_status == status) if status else query


def next_actions_query(viewer: Viewer, customer_key: int | None, limit: int) -> sa.Select[Any]:
    sc = mart_customer_score
    query = (
        sa.select(
            sc.c.customer_key,
            d.c.name,
            sc.c.next_best_action.label("action"),
            sc.c.action_value,
            sc.c.churn_probability,
            sc.c.upsell_category,
            sc.c.upsell_product,
            sc.c.lead_score,
            sc.c.scored_at,
        )
        .select_from(sc.join(d, d.c.customer_key == sc.c.customer_key))
        .where(sc.c.next_best_action.is_not(None), customer_scope(viewer))
        .order_by(sc.c.action_value.desc(), sc.c.customer_key)
        .limit(limit)
    )
    return query.where(sc.c.customer_key == customer_key) if customer_key is not None else query


def campaigns_query(channel: str | None) -> sa.Select[Any]:
    c = mart_campaign_performance
    query = sa.select(c).order_by(c.c.start_date.desc(), c.c.campaign_key)
    return query.where(c.c.channel == channel) if channel else query


def kpi_series_query(start: dt.date, end: dt.date) -> sa.Select[Any]:
    m = mart_kpi_daily
    return sa.select(m).where(m.c.day >= start, m.c.day <= end).order_by(m.c.day)


def forecast_query(start: dt.date | None) -> sa.Select[Any]:
    f = mart_sales_forecast
    query = sa.select(f).order_by(f.c.day)
    return query.where(f.c.day >= start) if start else query


def forecast_models_query() -> sa.Select[Any]:
    r = model_registry
    return (
        sa.select(r.c.model, r.c.version, r.c.status, r.c.algorithm, r.c.trained_at, r.c.metrics)
        .where(r.c.model == "forecast")
        .order_by(r.c.version.desc())
    )
