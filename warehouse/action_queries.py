"""Read queries for sales enablement: each customer's next best action and prospects by lead score.

Builders (``*_query``) return SQLAlchemy Core statements and touch no database; runners take a
:class:`~warehouse.engine.Warehouse` and return rows as dicts. A sales rep's scope is the customers
whose golden record names them (``dim_customer.rep_key``). Every paged query has a total ``ORDER BY``
(SQL Server pages with ``OFFSET ... FETCH``). The scores come from ``mart_customer_score`` (docs/models.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope, mask_rows
from warehouse.privacy import ACTION_PURPOSES, opted_out_query
from warehouse.queries import MAX_PAGE_SIZE, check_page, nulls_last
from warehouse.schema import (
    dim_customer,
    dim_sales_rep,
    mart_action_summary,
    mart_customer_kpi,
    mart_customer_rfm,
    mart_customer_score,
    mart_lead_funnel,
)

#: Spend bands from the RFM monetary quintile (1..5 by total spend among buyers): purchasing power.
SPEND_BANDS: dict[str, tuple[int, int]] = {"high": (4, 5), "middle": (3, 3), "low": (1, 2)}


@dataclass(frozen=True)
class ActionScope:
    """Whose actions to read: one rep's customers (``rep_key``) or everyone's, one action or all, and
    optionally a target segment: a region, an RFM segment and a spend band (``SPEND_BANDS``). With a
    ``viewer``, only the customers the row policy lets them read (the portal always sets one)."""

    rep_key: int | None = None
    action: str | None = None
    region: str | None = None
    rfm_segment: str | None = None
    spend: str | None = None
    viewer: Viewer | None = None

    def __post_init__(self) -> None:
        if self.spend is not None and self.spend not in SPEND_BANDS:
            raise ValueError(f"spend band {self.spend!r} is not one of {', '.join(SPEND_BANDS)}")

    def conditions(self, contactable: bool = True) -> list[sa.ColumnElement[bool]]:
        """The WHERE terms of this scope (over dim_customer, mart_customer_rfm and mart_customer_score);
        ``contactable=False`` keeps only the customers opted out instead."""
        terms: list[sa.ColumnElement[bool]] = [
            mart_customer_score.c.next_best_action.is_not(None),
            _contactable() if contactable else sa.not_(_contactable()),
        ]
        if self.viewer is not None:
            terms.append(customer_scope(self.viewer))
        if self.rep_key is not None:
            terms.append(dim_customer.c.rep_key == self.rep_key)
        if self.action is not None:
            terms.append(mart_customer_score.c.next_best_action == self.action)
        if self.region is not None:
            terms.append(dim_customer.c.region == self.region)
        if self.rfm_segment is not None:
            terms.append(mart_customer_rfm.c.segment == self.rfm_segment)
        if self.spend is not None:
            low, high = SPEND_BANDS[self.spend]
            terms.append(mart_customer_rfm.c.m_score.between(low, high))
        return terms


def _contactable() -> sa.ColumnElement[bool]:
    """Not opted out of what the action lists are for (profiling, sales calls), and not erased (GDPR, CCPA)."""
    return mart_customer_score.c.customer_key.not_in(opted_out_query(ACTION_PURPOSES))


def _scored() -> sa.Select[Any]:
    """Every scored customer with what the actions page shows beside the score."""
    s, c = mart_customer_score.c, dim_customer.c
    return (
        sa.select(
            s.customer_key,
            c.name,
            c.city,
            c.segment,
            c.region,
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
            mart_customer_rfm.c.m_score,
            s.scored_at,
            s.model_versions,
        )
        .select_from(_customers())
        .outerjoin(dim_sales_rep, dim_sales_rep.c.rep_key == c.rep_key)
        .outerjoin(mart_customer_kpi, mart_customer_kpi.c.customer_key == s.customer_key)
    )


def _customers() -> sa.FromClause:
    """Scores joined to what a scope filters on: the golden customer and its RFM row (prospects have none)."""
    return mart_customer_score.join(
        dim_customer, dim_customer.c.customer_key == mart_customer_score.c.customer_key
    ).outerjoin(mart_customer_rfm, mart_customer_rfm.c.customer_key == mart_customer_score.c.customer_key)


def actions_export_query(scope: ActionScope) -> sa.Select[Any]:
    """Every customer in ``scope`` with a recommended action, highest expected value first."""
    s = mart_customer_score.c
    return _scored().where(*scope.conditions()).order_by(s.action_value.desc(), s.customer_key)


def actions_query(scope: ActionScope, page: int = 0, page_size: int = 25) -> sa.Select[Any]:
    """One page (from 0) of :func:`actions_export_query`."""
    check_page(page, page_size)
    return actions_export_query(scope).limit(page_size).offset(page * page_size)


def action_count_query(scope: ActionScope) -> sa.Select[Any]:
    """How many customers :func:`actions_query` lists over all pages."""
    return sa.select(sa.func.count()).select_from(_customers()).where(*scope.conditions())


def actions(
    warehouse: Warehouse, scope: ActionScope, page: int = 0, page_size: int = 25
) -> tuple[list[dict[str, Any]], int]:
    """One page of recommended actions in ``scope`` and how many there are in all."""
    rows = _masked(scope.viewer, warehouse.rows(actions_query(scope, page, page_size)))
    return rows, int(warehouse.scalar(action_count_query(scope)) or 0)


def all_actions(warehouse: Warehouse, scope: ActionScope) -> list[dict[str, Any]]:
    return _masked(scope.viewer, warehouse.rows(actions_export_query(scope)))


def _masked(viewer: Viewer | None, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows if viewer is None else mask_rows(viewer, rows)


def action_summary_query(scope: ActionScope | None = None) -> sa.Select[Any]:
    """Per action in ``scope`` (its action filter aside): how many customers it is recommended for and
    their total expected value."""
    scope = replace(scope or ActionScope(), action=None)
    s = mart_customer_score.c
    value = sa.func.sum(s.action_value).label("value")
    return (
        sa.select(s.next_best_action.label("action"), sa.func.count().label("customers"), value)
        .select_from(_customers())
        .where(*scope.conditions())
        .group_by(s.next_best_action)
        .order_by(value.desc(), s.next_best_action)
    )


def action_summary_mart_query(scope: ActionScope | None = None) -> sa.Select[Any]:
    """:func:`action_summary_query` read from ``mart_action_summary`` (opted-out customers still counted)."""
    scope = scope or ActionScope()
    m = mart_action_summary.c
    terms: list[sa.ColumnElement[bool]] = []
    viewer = scope.viewer
    if viewer is not None and not viewer.all_customers:
        own = viewer.role == "sales_rep" and viewer.rep_key is not None
        terms.append(m.rep_key == viewer.rep_key if own else sa.false())
    if scope.rep_key is not None:
        terms.append(m.rep_key == scope.rep_key)
    if scope.region is not None:
        terms.append(m.region == scope.region)
    if scope.rfm_segment is not None:
        terms.append(m.rfm_segment == scope.rfm_segment)
    if scope.spend is not None:
        low, high = SPEND_BANDS[scope.spend]
        terms.append(m.m_score.between(low, high))
    value = sa.func.sum(m.value).label("value")
    return (
        sa.select(m.action, sa.func.sum(m.customers).label("customers"), value)
        .where(*terms)
        .group_by(m.action)
    )


def opted_out_summary_query(scope: ActionScope | None = None) -> sa.Select[Any]:
    """Per action in ``scope``: the customers opted out (or erased) and their expected value, read live."""
    scope = replace(scope or ActionScope(), action=None)
    s = mart_customer_score.c
    return (
        sa.select(
            s.next_best_action.label("action"),
            sa.func.count().label("customers"),
            sa.func.sum(s.action_value).label("value"),
        )
        .select_from(_customers())
        .where(*scope.conditions(contactable=False))
        .group_by(s.next_best_action)
    )


def action_summary(warehouse: Warehouse, scope: ActionScope | None = None) -> list[dict[str, Any]]:
    """Per action in ``scope``: customers and total expected value, from the summary the score step
    builds, less the customers opted out since (few rows, read live), highest value first."""
    gone = {r["action"]: r for r in warehouse.rows(opted_out_summary_query(scope))}
    out = []
    for row in warehouse.rows(action_summary_mart_query(scope)):
        less = gone.get(row["action"], {})
        customers = int(row["customers"] or 0) - int(less.get("customers") or 0)
        if customers > 0:
            value = round(float(row["value"] or 0) - float(less.get("value") or 0), 2)
            out.append({"action": row["action"], "customers": customers, "value": value})
    return sorted(out, key=lambda r: (-r["value"], r["action"]))


def prospects_query(
    rep_key: int | None = None, limit: int = 50, region: str | None = None, viewer: Viewer | None = None
) -> sa.Select[Any]:
    """Prospects (not yet customers) by lead score, highest first and unscored ones last; ``rep_key`` and
    ``region`` limit them to one rep's or one region's, ``viewer`` to the ones the row policy lets them read."""
    s = mart_customer_score.c
    query = (
        _scored()
        .where(dim_customer.c.is_customer.is_(False), _contactable())
        .order_by(nulls_last(s.lead_score), s.lead_score.desc(), s.customer_key)
        .limit(max(1, min(limit, MAX_PAGE_SIZE)))
    )
    if rep_key is not None:
        query = query.where(dim_customer.c.rep_key == rep_key)
    if region is not None:
        query = query.where(dim_customer.c.region == region)
    if viewer is not None:
        query = query.where(customer_scope(viewer))
    return query


def prospects(
    warehouse: Warehouse,
    rep_key: int | None = None,
    limit: int = 50,
    region: str | None = None,
    viewer: Viewer | None = None,
) -> list[dict[str, Any]]:
    return _masked(viewer, warehouse.rows(prospects_query(rep_key, limit, region, viewer)))


def customer_score_query(customer_key: int, viewer: Viewer | None = None) -> sa.Select[Any]:
    """One customer's scores and next best action (no row when the customer has not been scored, or
    when ``viewer`` may not read the customer)."""
    query = _scored().where(mart_customer_score.c.customer_key == customer_key)
    return query if viewer is None else query.where(customer_scope(viewer))


def customer_score(
    warehouse: Warehouse, customer_key: int, viewer: Viewer | None = None
) -> dict[str, Any] | None:
    rows = _masked(viewer, warehouse.rows(customer_score_query(customer_key, viewer)))
    return rows[0] if rows else None


def sales_reps_query() -> sa.Select[Any]:
    """Reps who own at least one customer, by name."""
    r = dim_sales_rep.c
    owned = sa.select(dim_customer.c.rep_key).where(dim_customer.c.rep_key == r.rep_key).exists()
    return sa.select(r.rep_key, r.name).where(owned).order_by(r.name, r.rep_key)


def sales_reps(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.rows(sales_reps_query())


def target_options_query(
    column: Literal["region", "rfm_segment"], viewer: Viewer | None = None
) -> sa.Select[Any]:
    """The regions of scored customers, or the RFM segments in the mart, for the target pickers (of the
    customers ``viewer`` may read)."""
    value = dim_customer.c.region if column == "region" else mart_customer_rfm.c.segment
    scope = sa.true() if viewer is None else customer_scope(viewer)
    return (
        sa.select(value.label("value"))
        .select_from(_customers())
        .where(value.is_not(None), scope)
        .group_by(value)
        .order_by(value)
    )


def target_options(
    warehouse: Warehouse, column: Literal["region", "rfm_segment"], viewer: Viewer | None = None
) -> list[str]:
    return [str(r["value"]) for r in warehouse.rows(target_options_query(column, viewer))]


def lead_funnel_query(rep_key: int | None = None, viewer: Viewer | None = None) -> sa.Select[Any]:
    """Leads and their value per stage (new ... won, lost) in stage order, for one rep or all of them;
    a ``viewer`` who reads only their own customers gets their own pipeline whatever ``rep_key`` says."""
    if viewer is not None and not viewer.all_customers:
        rep_key = viewer.rep_key if viewer.rep_key is not None else -1
    f = mart_lead_funnel.c
    query = (
        sa.select(
            f.stage,
            f.stage_order,
            sa.func.sum(f.leads).label("leads"),
            sa.func.sum(f.value).label("value"),
        )
        .group_by(f.stage, f.stage_order)
        .order_by(f.stage_order, f.stage)
    )
    if rep_key is not None:
        name = sa.select(dim_sales_rep.c.name).where(dim_sales_rep.c.rep_key == rep_key).scalar_subquery()
        query = query.where(f.rep == name)
    return query


def lead_funnel(
    warehouse: Warehouse, rep_key: int | None = None, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    return warehouse.rows(lead_funnel_query(rep_key, viewer))
