"""Read queries for sales enablement: each customer's next best action and prospects by lead score.

Builders (``*_query``) return SQLAlchemy Core statements and touch no database; runners take a
:class:`~warehouse.engine.Warehouse` and return rows as dicts. A sales rep's scope is the customers
whose golden record names them (``dim_customer.rep_key``). Every paged query has a total ``ORDER BY``
(SQL Server pages with ``OFFSET ... FETCH``). The scores come from ``mart_customer_score`` (docs/models.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import (
    dim_customer,
    dim_sales_rep,
    mart_customer_kpi,
    mart_customer_rfm,
    mart_customer_score,
)

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class ActionScope:
    """Whose actions to read: one rep's customers (``rep_key``) or everyone's, one action or all."""

    rep_key: int | None = None
    action: str | None = None


def _scored() -> sa.Select[Any]:
    """Every scored customer with what the actions page shows beside the score."""
    s, c = mart_customer_score.c, dim_customer.c
    return (
        sa.select(
            s.customer_key,
            c.name,
            c.city,
            c.segment,
            c.is_customer,
            dim_sales_rep.c.name.label("rep"),
            s.next_best_action,
            s.action_value,
            s.churn_probability,
            s.clv_12m,
            s.expected_orders_12m,
            s.lead_score,
            s.upsell_propensity,
            s.upsell_category,
            s.upsell_product,
            mart_customer_kpi.c.recency_days,
            mart_customer_kpi.c.last_purchase,
            mart_customer_rfm.c.segment.label("rfm_segment"),
            s.scored_at,
            s.model_versions,
        )
        .select_from(mart_customer_score)
        .join(dim_customer, c.customer_key == s.customer_key)
        .outerjoin(dim_sales_rep, dim_sales_rep.c.rep_key == c.rep_key)
        .outerjoin(mart_customer_kpi, mart_customer_kpi.c.customer_key == s.customer_key)
        .outerjoin(mart_customer_rfm, mart_customer_rfm.c.customer_key == s.customer_key)
    )


def _in_scope(query: sa.Select[Any], scope: ActionScope) -> sa.Select[Any]:
    query = query.where(mart_customer_score.c.next_best_action.is_not(None))
    if scope.rep_key is not None:
        query = query.where(dim_customer.c.rep_key == scope.rep_key)
    if scope.action is not None:
        query = query.where(mart_customer_score.c.next_best_action == scope.action)
    return query


def _check_page(page: int, page_size: int) -> None:
    if page < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(
            f"page {page} / page_size {page_size}: need page >= 0 and 1 <= page_size <= {MAX_PAGE_SIZE}"
        )


def actions_query(scope: ActionScope, page: int = 0, page_size: int = 25) -> sa.Select[Any]:
    """One page of customers in ``scope`` with a recommended action, highest expected value first."""
    _check_page(page, page_size)
    s = mart_customer_score.c
    return (
        _in_scope(_scored(), scope)
        .order_by(s.action_value.desc(), s.customer_key)
        .limit(page_size)
        .offset(page * page_size)
    )


def actions_export_query(scope: ActionScope) -> sa.Select[Any]:
    """Every customer in ``scope`` with a recommended action, in :func:`actions_query`'s order (no paging)."""
    s = mart_customer_score.c
    return _in_scope(_scored(), scope).order_by(s.action_value.desc(), s.customer_key)


def action_count_query(scope: ActionScope) -> sa.Select[Any]:
    """How many customers :func:`actions_query` lists over all pages."""
    inner = _in_scope(sa.select(mart_customer_score.c.customer_key).select_from(mart_customer_score), scope)
    inner = inner.join(dim_customer, dim_customer.c.customer_key == mart_customer_score.c.customer_key)
    return sa.select(sa.func.count()).select_from(inner.subquery())


def actions(
    warehouse: Warehouse, scope: ActionScope, page: int = 0, page_size: int = 25
) -> tuple[list[dict[str, Any]], int]:
    """One page of recommended actions in ``scope`` and how many there are in all."""
    rows = warehouse.rows(actions_query(scope, page, page_size))
    return rows, int(warehouse.scalar(action_count_query(scope)) or 0)


def all_actions(warehouse: Warehouse, scope: ActionScope) -> list[dict[str, Any]]:
    return warehouse.rows(actions_export_query(scope))


def action_summary_query(rep_key: int | None = None) -> sa.Select[Any]:
    """Per action: how many customers it is recommended for and their total expected value."""
    s = mart_customer_score.c
    value = sa.func.sum(s.action_value).label("value")
    query = (
        sa.select(s.next_best_action.label("action"), sa.func.count().label("customers"), value)
        .join(dim_customer, dim_customer.c.customer_key == s.customer_key)
        .where(s.next_best_action.is_not(None))
        .group_by(s.next_best_action)
        .order_by(value.desc(), s.next_best_action)
    )
    if rep_key is not None:
        query = query.where(dim_customer.c.rep_key == rep_key)
    return query


def action_summary(warehouse: Warehouse, rep_key: int | None = None) -> list[dict[str, Any]]:
    return warehouse.rows(action_summary_query(rep_key))


def prospects_query(rep_key: int | None = None, limit: int = 50) -> sa.Select[Any]:
    """Prospects (not yet customers) by lead score, highest first and unscored ones last; ``rep_key``
    limits them to one rep's."""
    s = mart_customer_score.c
    query = (
        _scored()
        .where(dim_customer.c.is_customer.is_(False))
        .order_by(sa.case((s.lead_score.is_(None), 1), else_=0), s.lead_score.desc(), s.customer_key)
        .limit(max(1, min(limit, MAX_PAGE_SIZE)))
    )
    if rep_key is not None:
        query = query.where(dim_customer.c.rep_key == rep_key)
    return query


def prospects(warehouse: Warehouse, rep_key: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    return warehouse.rows(prospects_query(rep_key, limit))


def customer_score_query(customer_key: int) -> sa.Select[Any]:
    """One customer's scores and next best action (no row when the customer has not been scored)."""
    return _scored().where(mart_customer_score.c.customer_key == customer_key)


def customer_score(warehouse: Warehouse, customer_key: int) -> dict[str, Any] | None:
    rows = warehouse.rows(customer_score_query(customer_key))
    return rows[0] if rows else None


def sales_reps_query() -> sa.Select[Any]:
    """Reps who own at least one customer, by name."""
    r = dim_sales_rep.c
    owned = sa.select(dim_customer.c.rep_key).where(dim_customer.c.rep_key == r.rep_key).exists()
    return sa.select(r.rep_key, r.name).where(owned).order_by(r.name, r.rep_key)


def sales_reps(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.rows(sales_reps_query())
