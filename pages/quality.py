"""Data quality (``/quality``): column profiles of the last batch with drift against the one before, rejects and
flagged fields.

Reads ``ops_profile`` (written by the pipeline's ``profile`` step), ``stg_reject`` and ``stg_field_flag`` through
:mod:`warehouse.quality_queries`; open to data stewards, analysts and administrators (see
:mod:`components.access`).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from components import ids
from components import quality as view
from components.access import current_role, may_open, require
from components.context import current_portal
from warehouse import quality_queries as queries
from warehouse.engine import WarehouseError

logger = logging.getLogger(__name__)

PATH = "/quality"
TITLE = "Data quality · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Quality", order=3)  # type: ignore[no-untyped-call]

UNREADABLE = "The warehouse could not be read; try again shortly."


def _card(title: str, body: Any) -> dbc.Card:
    header = dbc.CardHeader(html.H2(title, className="section-title mb-0"))
    return dbc.Card([header, dbc.CardBody(body)], className="analytics-card mb-3")


def layout(**_kwargs: Any) -> dbc.Container:
    title = html.H1("Data quality", className="page-title")
    if not may_open(current_role(), PATH):
        return dbc.Container(
            [
                title,
                dbc.Alert(
                    "Data quality is open to data stewards, analysts and administrators.",
                    id=ids.QUALITY_DENIED,
                    color="warning",
                ),
            ],
            fluid=True,
        )
    return dbc.Container(
        [
            title,
            html.P(id=ids.QUALITY_SUMMARY, className="text-muted"),
            dcc.Store(id=ids.QUALITY_LOAD, data=0),
            _card("Column profiles", html.Div(id=ids.QUALITY_PROFILES)),
            _card("Quarantined records", html.Div(id=ids.QUALITY_REJECTS)),
            _card("Flagged fields (records staged without them)", html.Div(id=ids.QUALITY_FLAGS)),
        ],
        fluid=True,
    )


@callback(
    Output(ids.QUALITY_SUMMARY, "children"),
    Output(ids.QUALITY_PROFILES, "children"),
    Output(ids.QUALITY_REJECTS, "children"),
    Output(ids.QUALITY_FLAGS, "children"),
    Input(ids.QUALITY_LOAD, "data"),
)
def refresh(_load: int | None) -> tuple[Any, Any, Any, Any]:
    """The profiles, rejects and flagged fields, read once when the page opens."""
    require(PATH)
    warehouse = current_portal().warehouse
    try:
        profiles = queries.latest_profiles(warehouse)
        rejects = queries.reject_counts(warehouse)
        flags = queries.field_flag_counts(warehouse)
    except WarehouseError:
        logger.exception("quality: the warehouse could not be read")
        return UNREADABLE, html.Div(), html.Div(), html.Div()
    return (
        view.drift_summary(profiles),
        view.profile_table(profiles, "quality-profile-table"),
        view.rejects_table(rejects, "quality-reject-table"),
        view.field_flags_table(flags, "quality-flag-table"),
    )
