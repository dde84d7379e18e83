"""What a drilled page shows, read once per state: the three charts' rows, their comparison and the summary.

Used by the drill panel's callbacks, its CSV/XLSX exports and the PDF report, so a file holds exactly
the numbers on screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from components import format as fmt
from components.drill import COMPARES, Axis, DrillState, crumbs
from components.drill_charts import summary_text, time_buckets, with_comparison
from warehouse import drill_queries as dq
from warehouse.engine import Warehouse
from warehouse.policy import Viewer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrillView:
    """The rows, levels, breadcrumbs and summary of one drill state."""

    state: DrillState
    levels: dict[Axis, str]
    rows: dict[Axis, list[dict[str, Any]]]
    crumbs: dict[Axis, list[tuple[int, str]]]
    period: str
    revenue: float
    orders: int
    previous: float | None
    months_only: bool  # the time chart cannot go below months (a customer or product is picked)

    @property
    def compare_label(self) -> str:
        return "" if self.previous is None else COMPARES[self.state.compare]

    @property
    def summary(self) -> str:
        return summary_text(self.revenue, self.orders, self.period, self.previous, self.compare_label)


def filters_of(state: DrillState, start: Any = None, end: Any = None) -> dq.Filters:
    """The query filters a state pins (its window unless ``start``/``end`` are given)."""
    low, high = state.window()
    place, product = state.place, state.product
    return dq.Filters(
        start=start or low,
        end=end or high,
        region=place[0] if len(place) > 0 else None,
        rep=place[1] if len(place) > 1 else None,
        customer_key=int(place[2]) if len(place) > 2 else None,
        category=product[0] if len(product) > 0 else None,
        product=product[1] if len(product) > 1 else None,
    )


def _leaf_level(state: DrillState, axis: Axis) -> str:
    """The level a chart shows: its children, or at the leaf the leaf's own level."""
    return state.level(axis) or {"time": "day", "place": "customer", "product": "product"}[axis]


def build(warehouse: Warehouse, viewer: Viewer, state: DrillState) -> DrillView:
    """Every number the drill panel shows for ``state``, as ``viewer`` may read them."""
    filters = filters_of(state)
    comparison = state.comparison()
    before = filters_of(state, *comparison) if comparison else None
    levels: dict[Axis, str] = {axis: _leaf_level(state, axis) for axis in ("time", "place", "product")}

    series, months_only = dq.series(warehouse, filters, viewer)
    time_level = levels["time"]
    stops_at_month = months_only and time_level in ("week", "day")
    if stops_at_month:
        time_level = "month"
    rows: dict[Axis, list[dict[str, Any]]] = {
        "time": time_buckets(series, time_level, filters.start, filters.end)
    }
    for axis in ("place", "product"):
        level = levels[axis]
        current = dq.breakdown(warehouse, level, filters, viewer)
        shown = [r["key"] for r in current]
        previous = dq.breakdown(warehouse, level, before, viewer, keys=shown) if before else None
        rows[axis] = with_comparison(current, previous)
    revenue = sum(r["revenue"] for r in series)
    orders = sum(r["orders"] for r in series)
    previous_total = dq.total(warehouse, before, viewer)[0] if before else None
    names = dq.customer_names(warehouse, [int(state.place[2])]) if len(state.place) > 2 else {}
    return DrillView(
        state=state,
        levels=levels | {"time": time_level},
        rows=rows,
        crumbs={axis: crumbs(state, axis, names) for axis in ("time", "place", "product")},
        period=fmt.day_span(filters.start, filters.end) if filters.start <= filters.end else "no days",
        revenue=round(revenue, 2),
        orders=orders,
        previous=None if previous_total is None else round(previous_total, 2),
        months_only=stops_at_month,
    )


__all__ = ["DrillView", "build", "filters_of"]
