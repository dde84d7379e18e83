"""Campaigns (``/campaigns``): spend, click-through, conversion, acquisition cost and ROI per channel and
campaign, and the recommended budget split.

Reads ``mart_campaign_performance`` and ``mart_budget_allocation`` (the pipeline's ``analytics`` step)
through :mod:`warehouse.analytics_queries`; open to marketing, managers, analysts and administrators.
Revenue is that of the customers each campaign brought (last touch), in their first year.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from components import analytics as budget_view
from components import campaigns as view
from components import ids
from components.access import current_role, may_open, require
from components.context import current_portal
from components.controls import csv_button, section
from components.currency import currency_note
from components.export import current_viewer, export_download
from warehouse import analytics_queries as marts
from warehouse.engine import WarehouseError

logger = logging.getLogger(__name__)

PATH = "/campaigns"
TITLE = "Campaigns · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Campaigns", order=3)  # type: ignore[no-untyped-call]

UNREADABLE = "The warehouse could not be read; try again shortly."


def _plan_link() -> html.A | None:
    """The way to the budget page, where the plan's ranges are shown and a reallocation is requested."""
    if not may_open(current_role(), "/budget"):
        return None
    return html.A(
        "Plan and request a reallocation", href="/budget", id=ids.CAMPAIGNS_BUDGET_LINK, className="small"
    )


def layout(**_kwargs: Any) -> dbc.Container:
    if not may_open(current_role(), PATH):
        return dbc.Container(
            dbc.Alert(
                "Campaigns are open to marketing, managers, analysts and administrators.",
                id=ids.CAMPAIGNS_DENIED,
                color="warning",
            ),
            fluid=True,
        )
    return dbc.Container(
        [
            html.H1("Campaigns", className="page-title"),
            currency_note("campaigns"),
            dcc.Store(id=ids.CAMPAIGNS_LOAD, data=0),
            html.P(id=ids.CAMPAIGNS_SUMMARY, className="driver-sentence"),
            section("Return per channel", html.Div(id=ids.CAMPAIGNS_CHANNELS)),
            budget_view.budget_section(
                ids.CAMPAIGNS_BUDGET_SUMMARY,
                ids.CAMPAIGNS_BUDGET,
                actions=_plan_link(),
            ),
            section(
                "Campaigns",
                [
                    html.P(
                        "CTR = clicks / impressions; CAC = spend / conversions; ROI = (revenue − spend) / spend, "
                        "with the revenue of the customers each campaign brought in their first year, so a "
                        "recent campaign's ROI is still growing.",
                        className="text-muted small mb-2",
                    ),
                    html.Div(id=ids.CAMPAIGNS_TABLE),
                ],
                actions=csv_button(ids.CAMPAIGNS_CSV, ids.CAMPAIGNS_DOWNLOAD, "Campaigns CSV"),
            ),
        ],
        fluid=True,
    )


@callback(
    Output(ids.CAMPAIGNS_SUMMARY, "children"),
    Output(ids.CAMPAIGNS_CHANNELS, "children"),
    Output(ids.CAMPAIGNS_BUDGET_SUMMARY, "children"),
    Output(ids.CAMPAIGNS_BUDGET, "children"),
    Output(ids.CAMPAIGNS_TABLE, "children"),
    Input(ids.CAMPAIGNS_LOAD, "data"),
)
def refresh(_load: int | None) -> tuple[Any, ...]:
    """Every section, read once when the page opens."""
    require(PATH)
    warehouse = current_portal().warehouse
    try:
        campaigns = marts.campaign_performance(warehouse)
        budget = marts.budget_allocation(warehouse, "channel")
    except WarehouseError:
        logger.exception("campaigns: marts could not be read")
        blank = html.P(UNREADABLE, className="text-muted mb-0")
        return UNREADABLE, blank, "", blank, blank
    totals = view.channel_totals(campaigns)
    return (
        view.campaigns_summary(totals),
        view.channel_table(totals, "campaigns-channel-table"),
        *budget_view.budget_parts(budget, "campaigns-budget-table"),
        view.campaign_table(campaigns, "campaigns-campaign-table"),
    )


@callback(
    Output(ids.CAMPAIGNS_DOWNLOAD, "data"),
    Input(ids.CAMPAIGNS_CSV, "n_clicks"),
    prevent_initial_call=True,
)
def download(_clicks: int) -> dict[str, Any]:
    """Every campaign's figures, as CSV."""
    require(PATH)
    warehouse = current_portal().warehouse
    rows = marts.campaign_performance(warehouse)
    return export_download(
        warehouse, current_viewer(), "campaigns", rows, view.CSV_COLUMNS, "campaign-performance.csv"
    )
