"""Groups of customers drilled by place: spend and customers per RFM segment, per order-count band or per
days-since-last-order band, then, inside one group, per region → rep → customer, narrowed by the place the
page is drilled to.

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
#: Band edges of the order-count and recency spreads, as the analytics step bins them (``models.descriptive``).
BANDS: Final[dict[str, tuple[int, ...]]] = {
    "frequency": (1, 2, 3, 5, 10, 20),
    "recency": (0, 30, 60, 90, 180, 365),
}
UNKNOWN: Final = "Unknown"  # a customer without a region or rep
TOP: Final = 15


@dataclass(frozen=True)
class RfmFilters:
    """What the drill pins: an RFM segment, and a region, rep and customer."""

    segment: str | None = None
    region: str | None = None
    rep: str | None = None
    customer_key: int | None = None
    band: tuple[str, int, int | None] | None = None  # ("frequency" or "recency", low, high exclusive)

    @property
    def narrowed(self) -> bool:
        return any(v is not None for v in (self.segment, self.region, self.rep, self.customer_key, self.band))


def band_labels(measure: str) -> list[tuple[str, int, int | None]]:
    """The bands of ``measure``: (label, low, high exclusive), labelled as the spreads are (``3-4``, ``20+``)."""
    edges = BANDS[measure]
    bands: list[tuple[str, int, int | None]] = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        label = f"{lo}+" if hi is None else (f"{lo}" if hi - lo == 1 else f"{lo}-{hi - 1}")
        bands.append((label, lo, hi))
    return bands


def band_of(measure: str, label: str) -> tuple[str, int, int | None] | None:
    """The filter of the band labelled ``label`` of ``measure`` (None for an unknown label)."""
    return next(((measure, lo, hi) for name, lo, hi in band_labels(measure) if name == label), None)


def _band_key(column: Any, measure: str) -> sa.ColumnElement[Any]:
    """The band label of ``column``; written with literal constants (the code's own edges) so the grouped
    expression and the selected one are the same text on every dialect."""
    whens: list[tuple[Any, Any]] = [
        (column < sa.literal_column(str(hi)), sa.literal_column(f"'{label}'"))
        for label, _, hi in band_labels(measure)
        if hi is not None
    ]
    return sa.case(*whens, else_=sa.literal_column(f"'{band_labels(measure)[-1][0]}'"))


def _place(column: Any) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(column, UNKNOWN)


def rfm_breakdown_query(level: str, filters: RfmFilters, viewer: Viewer, top: int = TOP) -> sa.Select[Any]:
    """Spend (``revenue``), customers and mean days since the last order per ``level`` value (``key``,
    ``label``) under ``filters``, largest spend first, at most ``top``."""
    if level not in RFM_LEVELS and level not in BANDS:
        raise ValueError(f"RFM drill level {level!r} is not one of {', '.join([*RFM_LEVELS, *BANDS])}")
    r, k = mart_customer_rfm.c, mart_customer_kpi.c
    measures = {"frequency": r.frequency, "recency": r.recency_days}
    keys: dict[str, tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]] = {
        m: (_band_key(measures[m], m), _band_key(measures[m], m)) for m in BANDS
    } | {
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
    if filters.band is not None:
        measure, low, high = filters.band
        terms.append(measures[measure] >= low)
        if high is not None:
            terms.append(measures[measure] < high)
    if level in BANDS:
        terms.append(measures[level] >= BANDS[level][0])  # below the first band is in none (as in the spread)
    revenue = sa.func.sum(r.monetary).label("revenue")
    order = [sa.func.min(measures[level])] if level in BANDS else [revenue.desc(), group]
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
        .order_by(*order)
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


__all__ = [
    "BANDS",
    "RFM_LEVELS",
    "TOP",
    "UNKNOWN",
    "RfmFilters",
    "band_labels",
    "band_of",
    "rfm_breakdown",
    "rfm_breakdown_query",
]
