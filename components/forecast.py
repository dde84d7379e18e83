"""The revenue forecast panel: actuals, forecast and its 80 %/95 % intervals per week or month, with the
forecast's measured accuracy in words. Used by the Overview (managers, analysts) and the Forecast page.

Ids are pattern-matching (``{"type": ..., "page": ...}``), so each page that shows the panel gets its own
copy and one callback serves them all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import MATCH, Dash, Input, Output, dcc, html
from dash.exceptions import PreventUpdate

from components import format as fmt
from components.access import current_role
from components.charts import (
    ACCENT,
    ACCENT_DARK,
    GRAPH_CONFIG,
    Figure,
    empty_figure,
    escape_labels,
    styled_figure,
)
from components.context import current_portal
from components.controls import picker, section
from warehouse.engine import WarehouseError
from warehouse.forecast_queries import Accuracy, ForecastPoint, Grain, forecast_accuracy, forecast_series

logger = logging.getLogger(__name__)

#: Who sees the forecast (the Overview panel and the Forecast page).
FORECAST_ROLES = frozenset({"manager", "analyst", "admin"})
GRAIN_LABELS: dict[str, str] = {"week": "Weeks", "month": "Months"}
DEFAULT_GRAIN = "month"
GRAIN_ID = "forecast-grain"
GRAPH_ID = "forecast-graph"
SENTENCE_ID = "forecast-accuracy-sentence"
MORE_ID = "forecast-more"
BAND_80 = "rgba(17, 141, 255, 0.28)"
BAND_95 = "rgba(17, 141, 255, 0.12)"


def panel_id(kind: str, page: str) -> dict[str, str]:
    """The id of one piece of the panel on ``page``."""
    return {"type": kind, "page": page}


def may_see_forecast(role: str | None) -> bool:
    """Whether a user with ``role`` sees the revenue forecast."""
    return role in FORECAST_ROLES


def forecast_panel(page: str) -> Any:
    """The panel for ``page``: a week/month picker, the chart and the accuracy sentence (nothing for other roles)."""
    if not may_see_forecast(current_role()):
        return html.Div()
    grain = picker(f"{page}-forecast-grain", GRAIN_LABELS, DEFAULT_GRAIN)
    grain.id = panel_id(GRAIN_ID, page)
    graph = dcc.Graph(
        id=panel_id(GRAPH_ID, page),
        figure=empty_figure(""),
        config=GRAPH_CONFIG,
        className="chart forecast-chart",
    )
    body = [
        dcc.Loading(graph, type="dot", delay_show=300),
        html.P(id=panel_id(SENTENCE_ID, page), className="driver-sentence mb-0 mt-2"),
    ]
    if page != "forecast":  # the way to the forecast's own page, where its accuracy is told per grain
        more = "Accuracy per week and month, and how the model was chosen"
        body.append(html.A(more, href="/forecast", id=panel_id(MORE_ID, page), className="small"))
    return section("Revenue forecast", body, actions=grain, class_name="forecast-panel")


def forecast_figure(points: Sequence[ForecastPoint], grain: Grain) -> Figure:
    """Actual revenue per period as columns, the forecast as a line inside its 95 % and 80 % bands."""
    if not points:
        return empty_figure("No forecast yet: the batch trains one once a year of sales is in")
    sign = fmt.currency_symbol()
    money = f"{sign}%{{y:,.0f}}<extra></extra>"
    past = [p for p in points if p.actual is not None]
    ahead = [p for p in points if p.forecast is not None]
    x = [p.period_start for p in ahead]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": [p.period_start for p in past],
            "y": [p.actual for p in past],
            "name": "Actual",
            "marker": {"color": ACCENT},
            "hovertemplate": money,
        }
    ]
    for label, lower, upper, colour in (
        ("95 % interval", [p.lower_95 for p in ahead], [p.upper_95 for p in ahead], BAND_95),
        ("80 % interval", [p.lower_80 for p in ahead], [p.upper_80 for p in ahead], BAND_80),
    ):
        if x and None not in lower and None not in upper:
            traces.append(
                {
                    "type": "scatter",
                    "x": x + x[::-1],
                    "y": list(upper) + list(lower)[::-1],
                    "fill": "toself",
                    "fillcolor": colour,
                    "line": {"width": 0},
                    "name": label,
                    "hoverinfo": "skip",
                }
            )
    traces.append(
        {
            "type": "scatter",
            "x": x,
            "y": [p.forecast for p in ahead],
            "name": "Forecast",
            "mode": "lines+markers",
            "line": {"color": ACCENT_DARK, "width": 2, "dash": "dash"},
            "hovertemplate": money,
        }
    )
    fig = styled_figure(
        traces,
        f"Revenue per {grain}: actual and forecast",
        yaxis={"tickprefix": sign, "tickformat": ",.0f"},
    )
    del fig["layout"]["font"]  # the template's font, as this chart always had
    return escape_labels(fig)


def accuracy_sentence(figures: Sequence[Accuracy], grain: str) -> str:
    """The measured accuracy at ``grain`` in words, or why there is none."""
    for figure in figures:
        if figure.grain == grain:
            return figure.sentence() + "."
    return "Accuracy is measured when the forecast is trained (it needs a year of daily sales)."


def register(app: Dash) -> None:
    """The panels' one callback, on ``app`` itself: a module imported once would give it to the first app only."""
    app.callback(
        Output(panel_id(GRAPH_ID, MATCH), "figure"),  # type: ignore[arg-type]
        Output(panel_id(SENTENCE_ID, MATCH), "children"),  # type: ignore[arg-type]
        Input(panel_id(GRAIN_ID, MATCH), "value"),  # type: ignore[arg-type]
    )(refresh_forecast)


def refresh_forecast(grain: str | None) -> tuple[Figure, str]:
    """Draw the forecast at the chosen grain for a user who may see it."""
    if not may_see_forecast(current_role()):
        raise PreventUpdate
    chosen: Grain = "week" if grain == "week" else "month"
    portal = current_portal()
    try:
        points = forecast_series(portal.warehouse, chosen)
        figures = forecast_accuracy(portal.warehouse)
    except WarehouseError:
        logger.exception("forecast: warehouse query failed")
        return empty_figure("Data unavailable"), "The warehouse could not be read; try again shortly."
    return forecast_figure(points, chosen), accuracy_sentence(figures, chosen)


def accuracy_table(figures: Sequence[Accuracy]) -> Any:
    """Each grain's accuracy, the target and whether it is met, as a small table."""
    if not figures:
        return html.P("No forecast has been trained yet.", className="text-muted")
    header = html.Thead(
        html.Tr([html.Th(t) for t in ("Level", "Backtest accuracy", "Last 90 days", "90 % target")])
    )
    rows = []
    for figure in figures:
        holdout = "—" if figure.holdout_accuracy is None else f"{figure.holdout_accuracy * 100:.0f} %"
        rows.append(
            html.Tr(
                [
                    html.Td("Monthly" if figure.grain == "month" else "Weekly"),
                    html.Td(f"{figure.accuracy * 100:.0f} %"),
                    html.Td(holdout),
                    html.Td(
                        ("met" if figure.meets_target else "not met") if figure.grain == "month" else "—"
                    ),
                ]
            )
        )
    return dbc.Table([header, html.Tbody(rows)], bordered=False, hover=True, responsive=True, size="sm")
