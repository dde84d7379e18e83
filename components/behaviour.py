"""Builders for the Analytics page's customer-behaviour sections: cohort retention, how often and how
recently customers buy, and what is bought together. Pure functions from the descriptive marts' rows
(``warehouse.analytics_queries``); each says so when the marts are empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dash import html

from components import format as fmt
from components.analytics import NO_DATA
from components.charts import ACCENT, Figure, empty_figure, styled_figure
from components.controls import NUMBER, TEXT, WIDE, compact_table

DISTRIBUTION_TITLES = {
    "frequency": "Customers by number of orders",
    "recency": "Customers by days since their last order",
}


def cohort_figure(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Retention heatmap: one row per first-purchase month (newest at the top), one column per month
    since, each cell the share of the cohort that bought in that month."""
    if not rows:
        return empty_figure("No data yet — run the pipeline")
    cohorts = sorted({r["cohort_month"] for r in rows}, reverse=True)
    months = list(range(max(int(r["months_since_first"]) for r in rows) + 1))
    cell = {(r["cohort_month"], int(r["months_since_first"])): r for r in rows}
    z = [[cell[(c, m)]["retention"] if (c, m) in cell else None for m in months] for c in cohorts]
    text = [[f"{v:.0%}" if v is not None else "" for v in row] for row in z]
    sizes = {c: next(int(r["cohort_size"]) for r in rows if r["cohort_month"] == c) for c in cohorts}
    labels = [f"{c:%b %Y} ({fmt.count(sizes[c])})" for c in cohorts]
    bought = [
        [month_key(c, m) for m in months] for c in cohorts
    ]  # the month each cell is: a click drills to it
    heat = {
        "type": "heatmap",
        "z": z,
        "x": months,
        "y": labels,
        "text": text,
        "customdata": bought,
        "texttemplate": "%{text}",
        "colorscale": [[0.0, "#f3f9ff"], [1.0, ACCENT]],
        "zmin": 0.0,
        "zmax": 1.0,
        "showscale": False,
        "hovertemplate": "%{y}, month %{x}: %{z:.0%} bought<extra></extra>",
        "xgap": 2,
        "ygap": 2,
    }
    return styled_figure(
        [heat],
        "Share of each first-purchase month's customers buying again, by months since",
        xaxis={"title": {"text": "months since first purchase"}, "dtick": 1, "showgrid": False},
        yaxis={"showgrid": False},
        hovermode="closest",
        height=max(320, 28 * len(cohorts) + 110),
    )


def month_key(cohort: dt.date, months_since: int) -> str:
    """The calendar month ``months_since`` months after ``cohort``'s: ``2025-03``."""
    index = cohort.year * 12 + cohort.month - 1 + months_since
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def time_path(month: str) -> tuple[str, str, str] | None:
    """The drill panel's time path to ``month`` (``2025-03``): year → quarter → month; None if malformed."""
    try:
        day = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        return None
    return f"{day.year}", f"{day.year}-Q{(day.month - 1) // 3 + 1}", f"{day:%Y-%m}"


def distribution_figure(rows: Sequence[Mapping[str, Any]], measure: str) -> Figure:
    """Customers per bin of one measure (``frequency`` in orders, ``recency`` in days), in bin order."""
    picked = sorted((r for r in rows if r["measure"] == measure), key=lambda r: int(r["bin_order"]))
    if not picked:
        return empty_figure("No data yet — run the pipeline")
    bars = {
        "type": "bar",
        "x": [str(r["bin"]) for r in picked],
        "y": [int(r["customers"]) for r in picked],
        "marker": {"color": ACCENT},
        "customdata": [float(r["share"]) for r in picked],
        "hovertemplate": "%{x}: %{y:,} customers (%{customdata:.0%})<extra></extra>",
    }
    unit = "orders" if measure == "frequency" else "days"
    return styled_figure(
        [bars],
        DISTRIBUTION_TITLES.get(measure, measure),
        xaxis={"type": "category", "title": {"text": unit}},
        hovermode="closest",
    )


def affinity_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Pairs bought in the same order: how often, how likely one given the other, and lift (how many times
    more often than if they were bought independently)."""
    head = [
        ("Bought", TEXT), ("With", TEXT), ("Orders", NUMBER), ("Of orders with the first", WIDE),
        ("Of orders with the second", WIDE), ("Lift", NUMBER),
    ]  # fmt: skip
    body = [
        [
            r["item_a"],
            r["item_b"],
            fmt.count(int(r["orders"])),
            fmt.percent(float(r["confidence_a_b"])),
            fmt.percent(float(r["confidence_b_a"])),
            f"{float(r['lift']):.2f}×",
        ]
        for r in rows
    ]
    return compact_table(head, body, table_id, NO_DATA)
