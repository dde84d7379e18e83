"""Figure and table builders of the drill-down charts: pure functions from drill query rows to Plotly figures.

Every bar carries its drill key in ``customdata`` so a click tells the page what to drill into; labels
pass through :func:`components.charts.escape_labels`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from components import format as fmt
from components.charts import ACCENT, Figure, empty_figure, escape_labels, styled_figure
from components.drill import time_key, time_label

logger = logging.getLogger(__name__)

COMPARE_COLOUR = "#c8c6c4"
LEVEL_TITLES = {
    "year": "Revenue by year",
    "quarter": "Revenue by quarter",
    "month": "Revenue by month",
    "week": "Revenue by week",
    "day": "Revenue by day",
    "region": "Revenue by region",
    "rep": "Revenue by rep",
    "customer": "Revenue by customer",
    "category": "Revenue by category",
    "product": "Revenue by product",
}
EXPORT_COLUMNS = ("label", "revenue", "orders", "comparison_revenue")


def time_buckets(
    rows: Sequence[Mapping[str, Any]], level: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Day or month rows summed into ``level`` buckets (key, label, revenue, orders), oldest first."""
    buckets: dict[str, dict[str, Any]] = {}
    for r in rows:
        day = r["period_start"]
        key = time_key(level, max(day, start) if level != "day" else day)
        bucket = buckets.setdefault(key, {"key": key, "label": time_label(key), "revenue": 0.0, "orders": 0})
        bucket["revenue"] += float(r["revenue"])
        bucket["orders"] += int(r["orders"])
    for bucket in buckets.values():
        bucket["revenue"] = round(bucket["revenue"], 2)
    return [buckets[k] for k in sorted(buckets, key=lambda k: k.lstrip("W"))]


def with_comparison(
    rows: Sequence[Mapping[str, Any]], previous: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """``rows`` each with ``comparison_revenue``: the same key's revenue in the comparison period (0 when
    it sold nothing then), or None without a comparison."""
    if previous is None:
        return [dict(r) | {"comparison_revenue": None} for r in rows]
    before = {r["key"]: float(r["revenue"]) for r in previous}
    return [dict(r) | {"comparison_revenue": before.get(r["key"], 0.0)} for r in rows]


def time_figure(rows: Sequence[Mapping[str, Any]], level: str, note: str = "") -> Figure:
    """Columns of revenue per time bucket, oldest on the left; a click drills into the bucket."""
    if not rows:
        return empty_figure("No sales in this selection")
    sign = fmt.currency_symbol()
    bars = {
        "type": "bar",
        "x": [r["label"] for r in rows],
        "y": [r["revenue"] for r in rows],
        "customdata": [r["key"] for r in rows],
        "marker": {"color": ACCENT},
        "name": "Revenue",
        "hovertemplate": f"%{{x}}: {sign}%{{y:,.0f}}<extra></extra>",
    }
    fig = styled_figure(
        [bars],
        LEVEL_TITLES.get(level, "Revenue") + (f" · {note}" if note else ""),
        xaxis={"type": "category"},
        yaxis={"tickprefix": sign, "tickformat": "~s"},
        hovermode="closest",
        clickmode="event",
    )
    return escape_labels(fig)


def breakdown_figure(rows: Sequence[Mapping[str, Any]], level: str, compare_label: str = "") -> Figure:
    """Horizontal bars of revenue per region, rep, customer, category or product (largest on top), with
    the comparison period's revenue as grey bars when there is one; a click drills into the bar."""
    if not rows:
        return empty_figure("No sales in this selection")
    ordered = list(reversed(rows))
    sign = fmt.currency_symbol()
    labels, keys = [r["label"] for r in ordered], [r["key"] for r in ordered]
    traces = []
    if compare_label and any(r.get("comparison_revenue") is not None for r in ordered):
        traces.append(
            {
                "type": "bar",
                "x": [r.get("comparison_revenue") or 0 for r in ordered],
                "y": labels,
                "customdata": keys,
                "orientation": "h",
                "marker": {"color": COMPARE_COLOUR},
                "name": compare_label,
                "hovertemplate": f"%{{y}} ({compare_label}): {sign}%{{x:,.0f}}<extra></extra>",
            }
        )
    traces.append(
        {
            "type": "bar",
            "x": [r["revenue"] for r in ordered],
            "y": list(labels),
            "customdata": list(keys),
            "orientation": "h",
            "marker": {"color": ACCENT},
            "name": "Selected period",
            "hovertemplate": f"%{{y}}: {sign}%{{x:,.0f}}<extra></extra>",
        }
    )
    fig = styled_figure(
        traces,
        LEVEL_TITLES.get(level, "Revenue"),
        xaxis={"tickprefix": sign, "tickformat": "~s"},
        yaxis={"type": "category"},
        hovermode="closest",
        clickmode="event",
        barmode="group",
    )
    return escape_labels(fig)


def summary_text(revenue: float, orders: int, period: str, previous: float | None, compare_label: str) -> str:
    """``Revenue £1.2M · 3,400 orders · 1 Jan 2026 – 31 Dec 2026 · vs previous period £1.1M (+9.1%)``."""
    text = f"Revenue {fmt.money(revenue)} · {fmt.count(orders)} orders · {period}"
    if previous is not None:
        change = fmt.growth((revenue - previous) / previous if previous else None)
        text += f" · {compare_label} {fmt.money(previous)} ({change})"
    return text


__all__ = [
    "EXPORT_COLUMNS",
    "LEVEL_TITLES",
    "breakdown_figure",
    "summary_text",
    "time_buckets",
    "time_figure",
    "with_comparison",
]
