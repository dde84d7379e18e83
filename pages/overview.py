"""Overview (``/``): today's live numbers, headline KPIs with growth, the daily revenue trend and revenue by region.

The live tiles follow the signed-in user's snapshot in ``ids.LIVE_KPI_STORE``, drawn in the browser
(``components.live.TILES_JS``).

"Today" is the portal's today (see :meth:`components.context.Portal.today`): the latest day in
``mart_kpi_daily`` unless the settings fix it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, clientside_callback, dcc, html

from components import format as fmt
from components import ids
from components.charts import GRAPH_CONFIG, empty_figure, revenue_by_figure, revenue_trend_figure
from components.context import current_portal
from components.controls import picker
from components.forecast import forecast_panel
from components.kpi_cards import kpi_columns
from components.live import (
    TILE_MEASURES,
    TILES_JS,
    TILES_STATUS,
    live_tiles,
    tile_spark_id,
    tile_value_id,
)
from warehouse.engine import WarehouseError
from warehouse.queries import daily_revenue, kpi_summary, sales_by

logger = logging.getLogger(__name__)

TITLE = "Overview · Miracle Customer 360"
dash.register_page(__name__, path="/", title=TITLE, name="Overview", order=0)  # type: ignore[no-untyped-call]

PERIODS: dict[str, str] = {"30": "30 days", "90": "90 days", "365": "12 months"}
DEFAULT_PERIOD = "90"


def layout(**_kwargs: Any) -> dbc.Container:
    period = picker(ids.OVERVIEW_PERIOD, PERIODS, DEFAULT_PERIOD)
    return dbc.Container(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H1("Overview", className="page-title"),
                            html.Div(id=ids.OVERVIEW_AS_OF, className="text-muted small"),
                        ],
                        xs=12,
                        md=True,
                    ),
                    dbc.Col(period, xs=12, md="auto", className="d-flex align-items-center mt-2 mt-md-0"),
                ],
                className="mb-3 align-items-end",
            ),
            live_tiles(),
            dbc.Alert(id=ids.OVERVIEW_ALERT, color="warning", is_open=False),
            dbc.Row(id=ids.OVERVIEW_KPI_ROW, className="kpi-row"),
            dbc.Row(
                [
                    dbc.Col(_graph_card(ids.OVERVIEW_TREND_GRAPH), xs=12, lg=8, className="mb-3"),
                    dbc.Col(_graph_card(ids.OVERVIEW_REGION_GRAPH), xs=12, lg=4, className="mb-3"),
                ]
            ),
            forecast_panel("overview"),
        ],
        fluid=True,
    )


def _graph_card(graph_id: str) -> dbc.Card:
    graph = dcc.Graph(id=graph_id, figure=empty_figure(""), config=GRAPH_CONFIG, className="chart")
    return dbc.Card(
        dbc.CardBody(dcc.Loading(graph, type="dot", delay_show=300)), className="chart-card h-100"
    )


@callback(
    Output(ids.OVERVIEW_KPI_ROW, "children"),
    Output(ids.OVERVIEW_TREND_GRAPH, "figure"),
    Output(ids.OVERVIEW_REGION_GRAPH, "figure"),
    Output(ids.OVERVIEW_AS_OF, "children"),
    Output(ids.OVERVIEW_ALERT, "children"),
    Output(ids.OVERVIEW_ALERT, "is_open"),
    Input(ids.OVERVIEW_PERIOD, "value"),
)
def refresh(period: str | None) -> tuple[list[dbc.Col], go.Figure, go.Figure, str, str, bool]:
    """Reload the KPIs and charts for the chosen trend period."""
    days = int(period) if period in PERIODS else int(DEFAULT_PERIOD)
    portal = current_portal()
    try:
        today = portal.today()
        if today is None:
            blank = empty_figure("No data yet")
            return [], blank, blank, "", "No sales data yet: run the pipeline to build the marts.", True
        summary = kpi_summary(portal.warehouse, today)
        series = daily_revenue(portal.warehouse, today, days)
        regions = sales_by(portal.warehouse, "region", today - dt.timedelta(days=days - 1), today)
    except WarehouseError:
        logger.exception("overview: warehouse query failed")
        blank = empty_figure("Data unavailable")
        return [], blank, blank, "", "The warehouse could not be read; try again shortly.", True
    as_of = (
        f"As of {today:%A %d %B %Y} · growth compares the same elapsed days of the previous period"
        f" · {fmt.currency_note()}"
    )
    return (
        kpi_columns(summary),
        revenue_trend_figure(series),
        revenue_by_figure(regions, f"region · last {PERIODS[str(days)]}"),
        as_of,
        "",
        False,
    )


clientside_callback(
    TILES_JS,
    *[Output(tile_value_id(m), "children") for m, _ in TILE_MEASURES],
    *[Output(tile_spark_id(m), "figure") for m, _ in TILE_MEASURES],
    Output(TILES_STATUS, "children"),
    Input(ids.LIVE_KPI_STORE, "data"),
)
