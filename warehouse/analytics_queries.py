"""Read queries over the analytics marts for the portal and the API: statement builders plus runners.

Builders (``*_query``) return SQLAlchemy Core statements and touch no database; runners take a
:class:`~warehouse.engine.Warehouse` and return rows as dicts. Every limited query has a total
``ORDER BY`` (SQL Server pages with ``OFFSET ... FETCH``). What each mart holds is in docs/models.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope, mask_rows
from warehouse.queries import nulls_last
from warehouse.schema import (
    dim_customer,
    mart_budget_allocation,
    mart_campaign_performance,
    mart_cohort_retention,
    mart_customer_rfm,
    mart_customer_score,
    mart_growth,
    mart_kpi_anomaly,
    mart_kpi_drivers,
    mart_price_guidance,
    mart_product_affinity,
    mart_purchase_distribution,
    mart_rfm_summary,
)

Baseline = Literal["previous_week", "mean_4_weeks", "previous_4_weeks"]
BASELINES: tuple[Baseline, ...] = ("previous_week", "mean_4_weeks", "previous_4_weeks")
DRIVER_DIMENSIONS = ("region", "rep", "category", "segment", "channel", "campaign")
DRIVER_KPIS = ("revenue", "orders", "average_order_value")
MAX_ROWS = 500


def kpi_drivers_query(
    baseline: Baseline = "mean_4_weeks",
    period_start: dt.date | None = None,
    dimension: str | None = None,
    top: int = 5,
    kpi: str = "revenue",
) -> sa.Select[Any]:
    """The `top` ranked drivers per dimension of a KPI's change in a period (default: the latest).

    `previous_4_weeks` explains the last 28 days against the 28 before; the other baselines a week."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline {baseline!r} is not one of {', '.join(BASELINES)}")
    if dimension is not None and dimension not in DRIVER_DIMENSIONS:
        raise ValueError(f"dimension {dimension!r} is not one of {', '.join(DRIVER_DIMENSIONS)}")
    if kpi not in DRIVER_KPIS:
        raise ValueError(f"kpi {kpi!r} is not one of {', '.join(DRIVER_KPIS)}")
    d = mart_kpi_drivers.c
    start: Any = (
        period_start
        if period_start is not None
        else sa.select(sa.func.max(d.period_start))
        .where(d.baseline == baseline, d.kpi == kpi)
        .scalar_subquery()
    )
    query = sa.select(mart_kpi_drivers).where(
        d.baseline == baseline, d.kpi == kpi, d.period_start == start, d.rank <= max(1, min(top, MAX_ROWS))
    )
    if dimension is not None:
        query = query.where(d.dimension == dimension)
    return query.order_by(d.dimension, d.rank)


def kpi_drivers(
    warehouse: Warehouse,
    baseline: Baseline = "mean_4_weeks",
    period_start: dt.date | None = None,
    dimension: str | None = None,
    top: int = 5,
    kpi: str = "revenue",
) -> list[dict[str, Any]]:
    return warehouse.rows(kpi_drivers_query(baseline, period_start, dimension, top, kpi))


def growth_query() -> sa.Select[Any]:
    """DoD, DLW (the same weekday last week), WoW, MoM and YoY of revenue, orders, new and active customers."""
    g = mart_growth.c
    order = sa.case({"DoD": 1, "DLW": 2, "WoW": 3, "MoM": 4, "YoY": 5}, value=g.comparison, else_=6)
    return sa.select(mart_growth).order_by(order, g.metric)


def growth(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.rows(growth_query())


def rfm_segments_query() -> sa.Select[Any]:
    """Customers, mean recency and frequency, and total spend per RFM segment, biggest spend first."""
    r = mart_customer_rfm.c
    monetary = sa.func.sum(r.monetary).label("monetary")
    return (
        sa.select(
            r.segment,
            sa.func.count().label("customers"),
            sa.func.avg(r.recency_days).label("recency_days"),
            sa.func.avg(r.frequency).label("frequency"),
            monetary,
        )
        .group_by(r.segment)
        .order_by(monetary.desc(), r.segment)
    )


def rfm_summary_query() -> sa.Select[Any]:
    """:func:`rfm_segments_query` read from the summary the analytics step builds (``mart_rfm_summary``)."""
    m = mart_rfm_summary.c
    return sa.select(m.segment, m.customers, m.recency_days, m.frequency, m.monetary).order_by(
        m.monetary.desc(), m.segment
    )


def rfm_segments(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Customers, mean recency and frequency, and total spend per RFM segment, biggest spend first."""
    return warehouse.rows(rfm_summary_query())


def anomalies_query(start: dt.date, end: dt.date, kpi: str | None = None) -> sa.Select[Any]:
    """Flagged days between `start` and `end` (inclusive), newest first."""
    a = mart_kpi_anomaly.c
    query = sa.select(mart_kpi_anomaly).where(a.is_anomaly.is_(True), a.day.between(start, end))
    if kpi is not None:
        query = query.where(a.kpi == kpi)
    return query.order_by(a.day.desc(), a.kpi)


def anomalies(
    warehouse: Warehouse, start: dt.date, end: dt.date, kpi: str | None = None
) -> list[dict[str, Any]]:
    return warehouse.rows(anomalies_query(start, end, kpi))


def price_guidance_query(status: str | None = None) -> sa.Select[Any]:
    """Price guidance per segment and category (estimated first), optionally one status only."""
    p = mart_price_guidance.c
    query = sa.select(mart_price_guidance)
    if status is not None:
        query = query.where(p.status == status)
    return query.order_by(p.status, p.segment, p.category)


def price_guidance(warehouse: Warehouse, status: str | None = None) -> list[dict[str, Any]]:
    return warehouse.rows(price_guidance_query(status))


def budget_allocation_query(level: Literal["channel", "campaign"] = "channel") -> sa.Select[Any]:
    """Current and recommended daily spend per channel or campaign, biggest recommendation first."""
    b = mart_budget_allocation.c
    return (
        sa.select(mart_budget_allocation).where(b.level == level).order_by(b.recommended_spend.desc(), b.name)
    )


def budget_allocation(
    warehouse: Warehouse, level: Literal["channel", "campaign"] = "channel"
) -> list[dict[str, Any]]:
    return warehouse.rows(budget_allocation_query(level))


def cohort_retention_query(cohorts: int = 12) -> sa.Select[Any]:
    """Retention by months since the first purchase for the ``cohorts`` latest first-purchase months."""
    c = mart_cohort_retention.c
    latest = (
        sa.select(c.cohort_month)
        .group_by(c.cohort_month)
        .order_by(c.cohort_month.desc())
        .limit(cohorts)
        .subquery()
    )
    return (
        sa.select(mart_cohort_retention)
        .where(c.cohort_month.in_(sa.select(latest.c.cohort_month)))
        .order_by(c.cohort_month, c.months_since_first)
    )


def cohort_retention(warehouse: Warehouse, cohorts: int = 12) -> list[dict[str, Any]]:
    return warehouse.rows(cohort_retention_query(cohorts))


AffinityLevel = Literal["category", "product"]


def product_affinity_query(level: AffinityLevel = "category", top: int = 15) -> sa.Select[Any]:
    """The pairs bought together most beyond chance (lift), then by how often, at category or product level."""
    if level not in ("category", "product"):
        raise ValueError(f"affinity level {level!r} is not one of category, product")
    a = mart_product_affinity.c
    return (
        sa.select(mart_product_affinity)
        .where(a.level == level)
        .order_by(a.lift.desc(), a.orders.desc(), a.item_a, a.item_b)
        .limit(max(1, min(top, MAX_ROWS)))
    )


def product_affinity(
    warehouse: Warehouse, level: AffinityLevel = "category", top: int = 15
) -> list[dict[str, Any]]:
    return warehouse.rows(product_affinity_query(level, top))


def purchase_distribution_query() -> sa.Select[Any]:
    """Customers per number of orders and per days since the last purchase, in bin order."""
    d = mart_purchase_distribution.c
    return sa.select(mart_purchase_distribution).order_by(d.measure, d.bin_order)


def purchase_distribution(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.rows(purchase_distribution_query())


def campaign_performance_query() -> sa.Select[Any]:
    """Every campaign's spend, reach, conversions, CAC, attributed revenue and ROI, best ROI first (a
    campaign without spend, whose ROI is undefined, last)."""
    c = mart_campaign_performance.c
    return sa.select(mart_campaign_performance).order_by(nulls_last(c.roi), c.roi.desc(), c.campaign_key)


def campaign_performance(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.rows(campaign_performance_query())


def upsell_candidates_query(
    limit: int = 50, category: str | None = None, viewer: Viewer | None = None
) -> sa.Select[Any]:
    """Customers most likely to buy a category new to them, with that category and the lead product
    (those ``viewer`` may read)."""
    s, c = mart_customer_score.c, dim_customer.c
    query = (
        sa.select(
            s.customer_key,
            c.name,
            c.segment,
            s.upsell_propensity,
            s.upsell_category,
            s.upsell_product,
            s.clv_12m,
            s.next_best_action,
        )
        .join(dim_customer, c.customer_key == s.customer_key)
        .where(s.upsell_propensity.is_not(None))
    )
    if category is not None:
        query = query.where(s.upsell_category == category)
    if viewer is not None:
        query = query.where(customer_scope(viewer))
    return query.order_by(s.upsell_propensity.desc(), s.customer_key).limit(max(1, min(limit, MAX_ROWS)))


def upsell_candidates(
    warehouse: Warehouse, limit: int = 50, category: str | None = None, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    rows = warehouse.rows(upsell_candidates_query(limit, category, viewer))
    return rows if viewer is None else mask_rows(viewer, rows)
