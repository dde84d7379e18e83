"""Overview (``/``): today's live numbers, headline KPIs with growth, and revenue drilled by time, place and product.

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
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from components import format as fmt
from components import ids
from components.context import current_portal
from components.drill import from_query, from_store, to_query
from components.drill_panel import drill_panel, register
from components.drill_panel import pid as drill_id
from components.export import current_viewer
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
from components.reports import overview_report, pdf_download
from warehouse.engine import WarehouseError
from warehouse.queries import kpi_summary

logger = logging.getLogger(__name__)

TITLE = "Overview · Miracle Customer 360"
dash.register_page(__name__, path="/", title=TITLE, name="Overview", order=0)  # type: ignore[no-untyped-call]
PREFIX = "overview"


def layout(**kwargs: Any) -> dbc.Container:
    """The page, drilled as its URL says (``?from=…&to=…&compare=…&time=…&place=…&product=…``)."""
    state = from_query(kwargs, _today())
    pdf = html.Div(
        [
            dbc.Button(
                "PDF report", id=ids.OVERVIEW_PDF, color="secondary", outline=True, size="sm", n_clicks=0
            ),
            dcc.Download(id=ids.OVERVIEW_PDF_DOWNLOAD),
        ]
    )
    return dbc.Container(
        [
            dcc.Store(id=ids.OVERVIEW_LOAD, data=0),
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
                    dbc.Col(pdf, xs=12, md="auto", className="d-flex align-items-center mt-2 mt-md-0"),
                ],
                className="mb-3 align-items-end",
            ),
            live_tiles(),
            dbc.Alert(id=ids.OVERVIEW_ALERT, color="warning", is_open=False),
            dbc.Row(id=ids.OVERVIEW_KPI_ROW, className="kpi-row"),
            drill_panel(PREFIX, state),
            forecast_panel("overview"),
        ],
        fluid=True,
    )


def _today() -> dt.date:
    try:
        return current_portal().today() or dt.date.today()
    except WarehouseError:
        return dt.date.today()


@callback(
    Output(ids.OVERVIEW_KPI_ROW, "children"),
    Output(ids.OVERVIEW_AS_OF, "children"),
    Output(ids.OVERVIEW_ALERT, "children"),
    Output(ids.OVERVIEW_ALERT, "is_open"),
    Input(ids.OVERVIEW_LOAD, "data"),
)
def refresh(_load: int | None) -> tuple[list[dbc.Col], str, str, bool]:
    """The headline KPIs as of the portal's today (the charts below follow the drill panel)."""
    portal = current_portal()
    try:
        today = portal.today()
        if today is None:
            return [], "", "No sales data yet: run the pipeline to build the marts.", True
        summary = kpi_summary(portal.warehouse, today)
    except WarehouseError:
        logger.exception("overview: warehouse query failed")
        return [], "", "The warehouse could not be read; try again shortly.", True
    as_of = (
        f"As of {today:%A %d %B %Y} · growth compares the same elapsed days of the previous period"
        f" · {fmt.currency_note()}"
    )
    return kpi_columns(summary), as_of, "", False


register(PREFIX)


@callback(
    Output(ids.OVERVIEW_PDF_DOWNLOAD, "data"),
    Input(ids.OVERVIEW_PDF, "n_clicks"),
    State(drill_id(PREFIX, "state"), "data"),
    prevent_initial_call=True,
)
def download_pdf(_clicks: int, data: dict[str, Any] | None) -> dict[str, Any]:
    """The Overview as on screen (KPIs, the drilled charts as tables and bars, the period) as a PDF."""
    portal = current_portal()
    viewer = current_viewer()
    state = from_store(data, _today())
    content = overview_report(portal.warehouse, viewer, state, portal.today())
    return pdf_download(portal.warehouse, viewer, "overview", content, to_query(state))


clientside_callback(
    TILES_JS,
    *[Output(tile_value_id(m), "children") for m, _ in TILE_MEASURES],
    *[Output(tile_spark_id(m), "figure") for m, _ in TILE_MEASURES],
    Output(TILES_STATUS, "children"),
    Input(ids.LIVE_KPI_STORE, "data"),
)
