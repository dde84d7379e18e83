"""RFM segments drilled by place: spend and customers per segment, then, inside one segment, per region →
rep → customer, narrowed by the place the page is drilled to.

Reads ``mart_customer_rfm`` joined to ``mart_customer_kpi`` (region, rep, name), scoped by
:func:`warehouse.policy.customer_scope`; the segments of every customer, unfiltered, come from
``mart_rfm_summary`` (one row per segment) as before. Builders are pure; runners take the warehouse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from warehouse.analytics_queries import rfm_segments
from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope
from warehouse.schema import mart_customer_kpi, mart_customer_rfm

logger = logging.getLogger(__name__)

RFM_LEVELS: Final = ("segment", "region", "rep", "customer")
UNKNOWN: Final = "Unknown"  # a customer without a region or rep
TOP: Final = 15


@dataclass(frozen=True)
class RfmFilters:
    """What the drill pins: an RFM segment, and a region, rep and customer."""

    segment: str | None = None
    region: str | None = None
    rep: str | None = None
    customer_key: int | None = None

    @property
    def narrowed(self) -> bool:
        return any(v is not None for v in (self.segment, self.region, self.rep, self.customer_key))


def _place(column: Any) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(column, UNKNOWN)


def rfm_breakdown_query(level: str, filters: RfmFilters, viewer: Viewer, top: int = TOP) -> sa.Select[Any]:
    """Spend (``revenue``), customers and mean days since the last order per ``level`` value (``key``,
    ``label``) under ``filters``, largest spend first, at most ``top``."""
    if level not in RFM_LEVELS:
        raise ValueError(f"RFM drill level {level!r} is not one of {', '.join(RFM_LEVELS)}")
    r, k = mart_customer_rfm.c, mart_customer_kpi.c
    keys: dict[str, tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]] = {
        "segment": (r.segment, r.segment),
        "region": (_place(k.region), sa.func.max(_place(k.region))),  # one expression grouped, one read
        "rep": (_place(k.rep), sa.func.max(_place(k.rep))),
        "customer": (sa.cast(r.customer_key, sa.String(20)), sa.func.max(k.name)),
    }
    key, label = keys[level]
    group = r.customer_key if level == "customer" else key
    terms: list[sa.ColumnElement[bool]] = [customer_scope(viewer, r.customer_key)]
    if filters.segment is not None:
        terms.append(r.segment == filters.segment)
    if filters.region is not None:
        terms.append(_place(k.region) == filters.region)
    if filters.rep is not None:
        terms.append(_place(k.rep) == filters.rep)
    if filters.customer_key is not None:
        terms.append(r.customer_key == filters.customer_key)
    revenue = sa.func.sum(r.monetary).label("revenue")
    return (
        sa.select(
            key.label("key"),
            label.label("label"),
            revenue,
            sa.func.count().label("customers"),
            sa.func.avg(r.recency_days).label("recency_days"),
        )
        .select_from(mart_customer_rfm.join(mart_customer_kpi, k.customer_key == r.customer_key))
        .where(*terms)
        .group_by(group)
        .order_by(revenue.desc(), group)
        .limit(max(1, top))
    )


def rfm_breakdown(
    warehouse: Warehouse, level: str, filters: RfmFilters, viewer: Viewer, top: int = TOP
) -> list[dict[str, Any]]:
    """Rows of :func:`rfm_breakdown_query` with plain numbers; every customer's segments from the summary."""
    if level == "segment" and not filters.narrowed and viewer.all_customers:
        return [
            {
                "key": str(r["segment"]),
                "label": str(r["segment"]),
                "revenue": float(r["monetary"] or 0),
                "customers": int(r["customers"] or 0),
                "recency_days": float(r["recency_days"] or 0),
            }
            for r in rfm_segments(warehouse)[: max(1, top)]
        ]
    return [
        {
            "key": str(r["key"]),
            "label": str(r["label"]),
            "revenue": float(r["revenue"] or 0),
            "customers": int(r["customers"] or 0),
            "recency_days": float(r["recency_days"] or 0),
        }
        for r in warehouse.rows(rfm_breakdown_query(level, filters, viewer, top))
    ]


__all__ = ["RFM_LEVELS", "TOP", "UNKNOWN", "RfmFilters", "rfm_breakdown", "rfm_breakdown_query"]
