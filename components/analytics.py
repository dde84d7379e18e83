"""Builders for the Analytics page: pure functions from analytics mart rows to sentences, figures, tables and CSV.

Rows are the dicts returned by :mod:`warehouse.analytics_queries`; every builder accepts an empty list
(a warehouse the pipeline has not filled yet) and says so instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt
from components.charts import ACCENT, Figure, empty_figure, styled_figure
from components.controls import section

logger = logging.getLogger(__name__)

NO_DATA = "No analytics yet — run the pipeline to build the analytics marts."

METRIC_LABELS = {
    "revenue": "Revenue",
    "orders": "Orders",
    "new_customers": "New customers",
    "active_customers": "Active customers",
}
COMPARISONS = ("DoD", "DLW", "WoW", "MoM", "YoY")
COMPARISON_HEADERS = {"DLW": "Day vs LW"}  # the others read as their codes
COMPARISON_TITLES = {
    "DoD": "Day on day",
    "DLW": "The day vs the same weekday last week",
    "WoW": "Week on week",
    "MoM": "Month on month",
    "YoY": "Year on year",
}
BUDGET_CSV_COLUMNS = (
    "level", "name", "channel", "current_spend", "recommended_spend", "share", "expected_conversions",
    "current_return", "expected_return", "marginal_return", "roi",
)  # fmt: skip


def growth_cell(change_pct: float | None) -> tuple[str, str]:
    """The text and tone (up, down, flat) of a ``mart_growth`` change in percent: ``("▲ +4.2%", "up")``."""
    if change_pct is None:
        return "—", "flat"
    share = change_pct / 100
    if round(share, 3) == 0:
        return "► 0.0%", "flat"
    return (f"▲ {fmt.growth(share)}", "up") if share > 0 else (f"▼ {fmt.growth(share)}", "down")


def _value(metric: str, value: float) -> str:
    return fmt.money(value) if metric == "revenue" else fmt.count(value)


def growth_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Metrics down, DoD/DLW/WoW/MoM/YoY across: arrow and % change, the two values compared on hover."""
    if not rows:
        return html.Div(html.P(NO_DATA, className="text-muted mb-0"), id=table_id)
    cells = {(r["metric"], r["comparison"]): r for r in rows}
    metrics = [m for m in METRIC_LABELS if any(k[0] == m for k in cells)]
    comparisons = [c for c in COMPARISONS if any(k[1] == c for k in cells)]
    header = html.Thead(
        html.Tr(
            [html.Th("")]
            + [
                html.Th(COMPARISON_HEADERS.get(c, c), title=COMPARISON_TITLES[c], className="text-end")
                for c in comparisons
            ]
        )
    )
    body = []
    for metric in metrics:
        tds: list[Any] = [html.Th(METRIC_LABELS[metric], scope="row")]
        for comparison in comparisons:
            row = cells.get((metric, comparison))
            if row is None:
                tds.append(html.Td("—", className="text-end"))
                continue
            text, tone = growth_cell(row["change_pct"])
            hover = (
                f"{_value(metric, row['current_value'])} ({fmt.day_span(row['current_start'], row['current_end'])}) vs "
                f"{_value(metric, row['previous_value'])} ({fmt.day_span(row['previous_start'], row['previous_end'])})"
            )
            tds.append(
                html.Td(
                    [
                        html.Span(text, className=f"kpi-growth kpi-growth-{tone}"),
                        html.Div(_value(metric, row["current_value"]), className="growth-value"),
                    ],
                    title=hover,
                    className=f"text-end growth-{metric}-{comparison}",
                )
            )
        body.append(html.Tr(tds))
    return html.Div(
        dbc.Table([header, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0"),
        id=table_id,
        className="table-responsive",
    )


def anomalies_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Flagged days, newest first: the KPI, what happened and what the same weekday usually gives."""
    if not rows:
        return html.Div(
            html.P("No unusual days in the last 30 days.", className="text-muted mb-0"), id=table_id
        )
    body = []
    for r in rows:
        metric = str(r["kpi"])
        expected = r["expected"]
        above = expected is not None and r["actual"] > expected
        body.append(
            html.Tr(
                [
                    html.Td(f"{r['day']:%a %-d %b}"),
                    html.Td(METRIC_LABELS.get(metric, metric)),
                    html.Td(_value(metric, r["actual"]), className="text-end"),
                    html.Td("—" if expected is None else _value(metric, expected), className="text-end"),
                    html.Td(
                        "—" if r["robust_z"] is None else f"{r['robust_z']:+.1f}".replace("-", fmt.MINUS),
                        className=f"text-end kpi-growth-{'up' if above else 'down'}",
                    ),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Day"),
                html.Th("KPI"),
                html.Th("Actual", className="text-end"),
                html.Th("Usual", className="text-end", title="median of the same weekday, 8 weeks before"),
                html.Th("Score", className="text-end", title="robust z; flagged beyond ±3.5"),
            ]
        )
    )
    return html.Div(
        dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0"),
        id=table_id,
        className="table-responsive",
    )


RFM_TITLES = {
    "segment": "Revenue by RFM segment",
    "region": "Revenue by region",
    "rep": "Revenue by rep",
    "customer": "Revenue by customer",
}


def rfm_figure(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Revenue per RFM segment as bars, largest on top, customers on hover."""
    drill = [
        {"key": r["segment"], "label": r["segment"], "revenue": r["monetary"], "customers": r["customers"]}
        for r in rows
    ]
    return rfm_drill_figure(drill, "segment")


def rfm_drill_figure(
    rows: Sequence[Mapping[str, Any]], level: str, segment: str = "", measure: str = "revenue"
) -> Figure:
    """Spend (or customers) per RFM segment, or per region, rep or customer inside ``segment``, as bars,
    largest on top; each bar carries its drill key (``customdata[0]``) so a click can drill into it."""
    if not rows:
        return empty_figure("No data yet — run the pipeline")
    sign = fmt.currency_symbol()
    if measure == "customers":
        title = f"Customers by {level}" + (f" · {segment}" if segment else "")
        return _drill_bars(rows, "customers", "%{y}: %{x:,} customers", title, {"tickformat": ",d"})
    title = RFM_TITLES.get(level, "Revenue") + (f" · {segment}" if segment and level != "segment" else "")
    hover = f"%{{y}}: {sign}%{{x:,.0f}} · %{{customdata[1]:,}} customers"
    return _drill_bars(rows, "revenue", hover, title, {"tickprefix": sign, "tickformat": "~s"})


def _drill_bars(
    rows: Sequence[Mapping[str, Any]], value: str, hover: str, title: str, xaxis: dict[str, Any]
) -> Figure:
    """Horizontal bars of ``value`` per row, largest on top, each carrying its drill key and customer count."""
    ordered = sorted(rows, key=lambda r: r[value])
    bars = {
        "type": "bar",
        "x": [r[value] for r in ordered],
        "y": [r["label"] for r in ordered],
        "orientation": "h",
        "marker": {"color": ACCENT},
        "customdata": [[str(r["key"]), r["customers"]] for r in ordered],
        "hovertemplate": hover + "<extra></extra>",
    }
    return styled_figure(
        [bars], title, xaxis=xaxis, yaxis={"type": "category"}, hovermode="closest", clickmode="event"
    )


def rfm_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Customers, revenue and share of revenue per RFM segment."""
    if not rows:
        return html.Div(html.P(NO_DATA, className="text-muted mb-0"), id=table_id)
    total = sum(float(r["monetary"]) for r in rows) or 1.0
    body = [
        html.Tr(
            [
                html.Td(r["segment"]),
                html.Td(fmt.count(r["customers"]), className="text-end"),
                html.Td(fmt.money(r["monetary"]), className="text-end"),
                html.Td(f"{r['monetary'] / total:.1%}", className="text-end"),
                html.Td(f"{r['recency_days']:.0f}", className="text-end d-none d-sm-table-cell"),
            ]
        )
        for r in rows
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th("Segment"),
                html.Th("Customers", className="text-end"),
                html.Th("Revenue", className="text-end"),
                html.Th("Share", className="text-end"),
                html.Th("Days since last order", className="text-end d-none d-sm-table-cell"),
            ]
        )
    )
    return html.Div(
        dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0"),
        id=table_id,
        className="table-responsive",
    )


def signed_money(value: float) -> str:
    """``+£300``, ``−£0.71``; ``£0`` when it rounds to nothing."""
    text = fmt.money(abs(value))
    zero = fmt.money(0)
    if text in (zero, fmt.money(0.001)):
        return zero
    return ("+" if value > 0 else fmt.MINUS) + text


def _tone(value: float) -> str:
    return "flat" if signed_money(value) == fmt.money(0) else "up" if value > 0 else "down"


def budget_uplift(rows: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    """Total current and expected daily return of the budget split."""
    return sum(float(r["current_return"]) for r in rows), sum(float(r["expected_return"]) for r in rows)


def budget_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """``Moving £1,200 a day of £5,000 between channels is expected to return £9,100 a day instead of £8,400 (+8.3%).``"""
    if not rows:
        return NO_DATA
    budget = float(rows[0]["daily_budget"])
    moved = sum(max(0.0, float(r["recommended_spend"]) - float(r["current_spend"])) for r in rows)
    current, expected = budget_uplift(rows)
    lift = fmt.growth((expected - current) / current if current else None)
    return (
        f"Moving {fmt.money(moved)} a day of the {fmt.money(budget)} daily budget between channels is "
        f"expected to return {fmt.money(expected)} a day instead of {fmt.money(current)} ({lift})."
    )


def budget_section(summary_id: str, table_id: str, actions: Any = None) -> dbc.Card:
    """The budget reallocation card: a summary sentence over the per-channel table (`budget_parts`)."""
    return section(
        "Budget reallocation",
        [
            html.P(id=summary_id, className="mb-1"),
            html.P("Spend and return in pounds per day.", className="text-muted small mb-2"),
            html.Div(id=table_id),
        ],
        actions=actions,
    )


def budget_parts(rows: Sequence[Mapping[str, Any]], table_id: str) -> tuple[str, html.Div]:
    """What fills `budget_section`: the summary (blank without a plan, the table then says why) and table."""
    return ("" if not rows else budget_summary(rows)), budget_table(rows, table_id)


def budget_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Current vs recommended daily spend per channel with the daily return each is expected to bring."""
    if not rows:
        return html.Div(html.P(NO_DATA, className="text-muted mb-0"), id=table_id)
    body = []
    for r in rows:
        shift = float(r["recommended_spend"]) - float(r["current_spend"])
        uplift = float(r["expected_return"]) - float(r["current_return"])
        body.append(
            html.Tr(
                [
                    html.Td(fmt.channel(str(r["name"])) if r.get("level") != "campaign" else r["name"]),
                    html.Td(fmt.money(r["current_spend"]), className="text-end"),
                    html.Td(fmt.money(r["recommended_spend"]), className="text-end"),
                    html.Td(
                        signed_money(shift),
                        className=f"text-end d-none d-sm-table-cell kpi-growth-{_tone(shift)}",
                    ),
                    html.Td(fmt.money(r["current_return"]), className="text-end d-none d-md-table-cell"),
                    html.Td(fmt.money(r["expected_return"]), className="text-end"),
                    html.Td(
                        signed_money(uplift),
                        className=f"text-end kpi-growth-{_tone(uplift)}",
                    ),
                ]
            )
        )
    current, expected = budget_uplift(rows)
    total = html.Tr(
        [
            html.Th("Total"),
            html.Th(fmt.money(sum(float(r["current_spend"]) for r in rows)), className="text-end"),
            html.Th(fmt.money(sum(float(r["recommended_spend"]) for r in rows)), className="text-end"),
            html.Th("", className="d-none d-sm-table-cell"),
            html.Th(fmt.money(current), className="text-end d-none d-md-table-cell"),
            html.Th(fmt.money(expected), className="text-end"),
            html.Th(
                signed_money(expected - current),
                className="text-end",
            ),
        ]
    )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Channel"),
                html.Th("Current", className="text-end"),
                html.Th("Recommended", className="text-end"),
                html.Th("Change", className="text-end d-none d-sm-table-cell"),
                html.Th("Return now", className="text-end d-none d-md-table-cell"),
                html.Th("Expected", className="text-end", title="expected return at the recommended spend"),
                html.Th("Uplift", className="text-end"),
            ]
        )
    )
    return html.Div(
        dbc.Table(
            [head, html.Tbody(body), html.Tfoot(total)],
            size="sm",
            hover=True,
            className="analytics-table mb-0",
        ),
        id=table_id,
        className="table-responsive",
    )


def price_text(row: Mapping[str, Any]) -> str:
    """What the page says for one segment × category: the elasticity, or why there is none."""
    if row["status"] != "estimated" or row["elasticity"] is None:
        return f"Insufficient data: {row['reason']}"
    text = f"Elasticity {row['elasticity']:.2f}".replace("-", fmt.MINUS)
    if row["std_error"] is not None:
        text += f" ± {row['std_error']:.2f}"
    return f"{text} — {row['guidance']}"


def price_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Price guidance for the segment × category groups with an estimate, and how many lack the data for one."""
    if not rows:
        return html.Div(html.P(NO_DATA, className="text-muted mb-0"), id=table_id)
    shown = [r for r in rows if r["status"] == "estimated"]
    body = [
        html.Tr(
            [
                html.Td(r["segment"]),
                html.Td(r["category"]),
                html.Td(price_text(r), className="price-estimated"),
            ]
        )
        for r in shown
    ]
    head = html.Thead(html.Tr([html.Th("Segment"), html.Th("Category"), html.Th("Guidance")]))
    lacking = len(rows) - len(shown)
    note = html.P(
        f"{len(shown)} of {len(rows)} segment × category groups have a price elasticity estimate."
        + (
            f" {lacking} lack the data for one (too few lines, too little price variation, or no clear"
            " negative slope) and are not shown."
            if lacking
            else ""
        ),
        className="text-muted small",
    )
    table = (
        html.Div(
            dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0"),
            className="table-responsive price-table",
        )
        if shown
        else html.P("No group has enough price variation for an estimate yet.", className="text-muted mb-0")
    )
    return html.Div([note, table], id=table_id)
