"""Builders for the Analytics page's "why did it change?" card: the driver sentence and chart of a KPI.

Rows are ``mart_kpi_drivers`` rows from :func:`warehouse.analytics_queries.kpi_drivers`, one dimension's
members of one KPI (revenue, orders or average order value) in one period (a week, or the last 4 weeks)
against one baseline; every
builder accepts an empty list and says so instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components import format as fmt
from components.analytics import NO_DATA
from components.charts import Figure, empty_figure, styled_figure

logger = logging.getLogger(__name__)

UP, DOWN = "#107c10", "#a4262c"

BASELINE_LABELS = {
    "previous_week": "last week",
    "mean_4_weeks": "the 4-week mean",
    "previous_4_weeks": "the 4 weeks before",
}
DIMENSION_LABELS = {
    "region": "Region",
    "rep": "Sales rep",
    "category": "Category",
    "segment": "Segment",
    "channel": "Channel",
    "campaign": "Campaign",
}
DRIVER_CSV_COLUMNS = (
    "period_start", "period_end", "baseline", "kpi", "dimension", "rank", "member", "before_value",
    "after_value", "volume_before", "volume_after", "mix_effect", "rate_effect", "contribution",
    "share_of_change", "change_pct",
)  # fmt: skip


@dataclass(frozen=True)
class KpiView:
    """How one KPI's drivers read: its name, how a value prints, and what its mix and rate effects mean."""

    label: str
    amount: Callable[[float], str]
    mix: str
    rate: str

    @property
    def unit(self) -> str:
        """The prefix of an axis or hover value: the home currency's symbol for money KPIs."""
        return fmt.currency_symbol() if self.amount is fmt.money else ""


KPI_VIEWS: dict[str, KpiView] = {
    "revenue": KpiView("Revenue", fmt.money, "number of orders", "value per order"),
    "orders": KpiView("Orders", fmt.count, "customers ordering", "orders per customer"),
    "average_order_value": KpiView(
        "Average order value", fmt.money, "share of orders", "the member's own order value"
    ),
}
KPI_LABELS = {kpi: view.label for kpi, view in KPI_VIEWS.items()}


def kpi_view(rows: Sequence[Mapping[str, Any]]) -> KpiView:
    """The view of the KPI the rows explain (revenue when they do not say)."""
    kpi = str(rows[0].get("kpi") or "revenue") if rows else "revenue"
    return KPI_VIEWS.get(kpi, KPI_VIEWS["revenue"])


def _effect(row: Mapping[str, Any]) -> str:
    """Which effect dominates a driver: mix (volume) or rate (value per unit of volume)."""
    return "rate effect" if abs(row["rate_effect"]) >= abs(row["mix_effect"]) else "mix effect"


def driver_sentence(rows: Sequence[Mapping[str, Any]], baseline: str, top: int = 3) -> str:
    """The plain-words answer to "why did the KPI change?" from one dimension's ranked drivers.

    ``Revenue fell 12.3% in the week 21–27 Nov 2026 vs last week; North West explains −8.1 points
    (rate effect), London −2.0 points (mix effect).`` Points are a member's contribution as a share of the
    baseline KPI (every member's points add up to the change); the effect named is the larger of mix
    (for revenue the number of orders) and rate (value per order), see `KPI_VIEWS`.
    """
    if not rows:
        return NO_DATA
    view = kpi_view(rows)
    ranked = sorted(rows, key=lambda r: r["rank"])
    first = ranked[0]
    before, after = float(first["kpi_before"]), float(first["kpi_after"])
    against = BASELINE_LABELS.get(baseline, baseline)
    length = (first["period_end"] - first["period_start"]).days + 1
    label = (
        "the week" if length == 7 else f"the {length // 7} weeks" if length % 7 == 0 else f"the {length} days"
    )
    week = f"{label} {fmt.day_span(first['period_start'], first['period_end'])}"
    if before == 0:
        return f"{view.label}: {view.amount(after)} in {week}, with nothing to compare with in {against}."
    change = (after - before) / before
    if round(change, 3) == 0:
        head = f"{view.label} was flat in {week} vs {against}"
    else:
        verb = "rose" if change > 0 else "fell"
        head = f"{view.label} {verb} {abs(change):.1%} in {week} vs {against}"
    parts = [_explains(ranked[0], before, "explains ")]
    parts += [_explains(r, before) for r in ranked[1:top]]
    return f"{head}; " + ", ".join(parts) + "."


def _explains(row: Mapping[str, Any], before: float, verb: str = "") -> str:
    points = fmt.signed_points(100 * row["contribution"] / before)
    return f"{row['member']} {verb}{points} points ({_effect(row)})"


def drivers_figure(rows: Sequence[Mapping[str, Any]], dimension: str) -> Figure:
    """Horizontal bars of each member's contribution to the change, rank 1 on top, mix and rate on hover."""
    if not rows:
        return empty_figure("No data yet — run the pipeline")
    view = kpi_view(rows)
    ranked = sorted(rows, key=lambda r: r["rank"], reverse=True)
    members = [str(r["member"]) for r in ranked]
    unit = view.unit
    digits = ",.0f" if unit else ",.1f"
    bars = {
        "type": "bar",
        "x": [r["contribution"] for r in ranked],
        "y": members,
        "orientation": "h",
        "marker": {"color": [UP if r["contribution"] >= 0 else DOWN for r in ranked]},
        "customdata": [[r["mix_effect"], r["rate_effect"]] for r in ranked],
        "hovertemplate": (
            f"%{{y}}: {unit}%{{x:{digits}}}<br>mix ({view.mix}) {unit}%{{customdata[0]:{digits}}}"
            f" · rate ({view.rate}) {unit}%{{customdata[1]:{digits}}}<extra></extra>"
        ),
    }
    label = DIMENSION_LABELS.get(dimension, dimension).lower()
    axis = {"tickprefix": unit, "tickformat": "~s", "zeroline": True, "zerolinecolor": "#8a8886"}
    return styled_figure(
        [bars], f"Contribution by {label}", xaxis=axis, hovermode="closest", showlegend=False
    )
