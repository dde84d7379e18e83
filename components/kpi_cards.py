"""KPI cards for the overview: a pure function from a :class:`KpiSummary` to Bootstrap columns."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt
from components import ids
from warehouse.queries import Comparison, KpiSummary


@dataclass(frozen=True)
class KpiCard:
    """What one card shows; ``growth`` is ``None`` when there is no comparison."""

    key: str
    title: str
    value: str
    growth: float | None
    compared_with: str


def kpi_card_data(summary: KpiSummary) -> list[KpiCard]:
    """The five overview cards, in display order."""
    active = Comparison(summary.active_customers, summary.active_customers_previous)
    return [
        KpiCard(
            "revenue-today",
            "Revenue today",
            fmt.money(summary.revenue_day.current),
            summary.revenue_day.growth,
            "vs yesterday",
        ),
        KpiCard(
            "revenue-week",
            "Revenue this week",
            fmt.money(summary.revenue_week.current),
            summary.revenue_week.growth,
            "vs same days last week",
        ),
        KpiCard(
            "revenue-month",
            "Revenue this month",
            fmt.money(summary.revenue_month.current),
            summary.revenue_month.growth,
            "vs same days last month",
        ),
        KpiCard(
            "active-customers",
            "Active customers",
            fmt.count(active.current),
            active.growth,
            "bought in last 90 days · vs a week ago",
        ),
        KpiCard(
            "new-customers",
            "New customers this month",
            fmt.count(summary.new_customers_month.current),
            summary.new_customers_month.growth,
            "vs same days last month",
        ),
    ]


def _growth_badge(growth: float | None) -> html.Span:
    if growth is None:
        return html.Span("—", className="kpi-growth kpi-growth-flat", title="no comparison")
    if growth > 0:
        arrow, tone = "▲", "up"
    elif growth < 0:
        arrow, tone = "▼", "down"
    else:
        arrow, tone = "►", "flat"
    return html.Span(f"{arrow} {fmt.growth(growth)}", className=f"kpi-growth kpi-growth-{tone}")


def kpi_card(card: KpiCard) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(card.title, className="kpi-title"),
                html.Div(card.value, id=ids.kpi_value(card.key), className="kpi-value"),
                html.Div(
                    [_growth_badge(card.growth), html.Span(card.compared_with, className="kpi-compare")]
                ),
            ]
        ),
        id=ids.kpi_card(card.key),
        className="kpi-card h-100",
    )


def kpi_columns(summary: KpiSummary) -> list[dbc.Col]:
    """One column per card: full width on phones, two per row on tablets, one row of five on wide screens."""
    return [
        dbc.Col(kpi_card(c), xs=12, md=6, lg=4, xl=True, className="mb-3") for c in kpi_card_data(summary)
    ]
