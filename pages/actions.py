"""Actions (``/actions``): each customer's next best action ranked by expected value, prospects by lead
score, and target lists by region, RFM segment and spend band.

A sales rep sees the customers and prospects whose golden record names them; managers, marketing,
analysts and administrators see everyone's and can pick one rep (``warehouse.policy`` enforces it in
every query). Reads ``mart_customer_score`` (the pipeline's ``score`` step) through
:mod:`warehouse.action_queries`. The current list exports as CSV (``components.export``: masked,
formula-safe, audited), so marketing can hand a target list to a campaign.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from components import actions as view
from components import format as fmt
from components import ids
from components.access import current_portal_user, may_open
from components.context import current_portal
from components.controls import csv_button, paged_table, picker, section
from components.currency import currency_note
from components.export import export_download
from warehouse import action_queries as queries
from warehouse.engine import WarehouseError
from warehouse.policy import Viewer
from warehouse.queries import page_count

logger = logging.getLogger(__name__)

PATH = "/actions"
TITLE = "Actions · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Actions", order=2)  # type: ignore[no-untyped-call]

PAGE_SIZE = 25
PROSPECTS = 25
ALL = "all"
UNREADABLE = "The warehouse could not be read; try again shortly."
UNLINKED = (
    "Your sign-in is not linked to a sales rep yet, so there are no customers to show; ask an administrator."
)
SPEND_LABELS = {
    ALL: "Any spend",
    "high": "High spend (top 40%)",
    "middle": "Middle spend",
    "low": "Low spend (bottom 40%)",
}
#: The pickers that narrow every list on the page, in the order callbacks receive them.
SCOPE_INPUTS = (ids.ACTIONS_REP, ids.ACTIONS_REGION, ids.ACTIONS_RFM, ids.ACTIONS_SPEND)


class Scope:
    """What the request may read: a rep's own customers, or (for other roles) the rep they picked; and
    the target segment picked (region, RFM segment, spend band). Anything unknown reads as "all"."""

    def __init__(self, rep: str | None, region: str | None, segment: str | None, spend: str | None) -> None:
        user = current_portal_user()
        if user is None or not may_open(user.role, PATH):
            raise PreventUpdate  # a callback can be posted without the page
        self.viewer = Viewer.of(user)
        self.own = not self.viewer.all_customers
        self.linked = not self.own or user.rep_key is not None
        if self.own:
            self.rep_key = user.rep_key
        else:
            self.rep_key = int(rep) if rep and rep.isdigit() else None
        self.region = region if region and region != ALL else None
        self.segment = segment if segment and segment != ALL else None
        self.spend = spend if spend in queries.SPEND_BANDS else None

    def actions(self, action: str | None = None) -> queries.ActionScope:
        return queries.ActionScope(
            self.rep_key,
            action if action in view.ACTION_LABELS else None,
            self.region,
            self.segment,
            self.spend,
            self.viewer,
        )

    def filters(self, action: str | None) -> dict[str, Any]:
        """What narrowed the list, for the export's audit row."""
        return {
            "rep_key": self.rep_key,
            "region": self.region,
            "rfm_segment": self.segment,
            "spend": self.spend,
            "action": action if action in view.ACTION_LABELS else None,
        }

    def file_name(self, action: str | None) -> str:
        """``next-best-actions-<who>[-<region>-<segment>-<spend>]-<action>.csv``."""
        who = "mine" if self.own else (f"rep-{self.rep_key}" if self.rep_key is not None else "all-reps")
        parts = [who, self.region, self.segment, self.spend, action if action in view.ACTION_LABELS else ALL]
        slug = "-".join(str(p) for p in parts if p).lower()
        return "next-best-actions-" + "".join(c if c.isalnum() else "-" for c in slug) + ".csv"


def _select(select_id: str, options: dict[str, str]) -> dbc.Select:
    return dbc.Select(
        id=select_id, options=[{"label": v, "value": k} for k, v in options.items()], value=ALL, size="sm"
    )


def _scope_controls(own: bool, viewer: Viewer) -> Any:
    """The rep picker (hidden for a rep, who sees only their own; the callbacks still read it) and the
    target pickers."""
    warehouse = current_portal().warehouse
    reps = {ALL: ""}  # a rep's own scope is fixed: no other reps to offer
    if not own:
        reps = {ALL: "All sales reps"} | {
            str(r["rep_key"]): str(r["name"]) for r in queries.sales_reps(warehouse)
        }
    regions = {ALL: "Every region"} | {r: r for r in queries.target_options(warehouse, "region", viewer)}
    segments = {ALL: "Every RFM segment"} | {
        s: s for s in queries.target_options(warehouse, "rfm_segment", viewer)
    }
    rep = _select(ids.ACTIONS_REP, reps)
    columns = [
        dbc.Col(rep, xs=12, md=3, className="d-none" if own else ""),
        dbc.Col(_select(ids.ACTIONS_REGION, regions), xs=12, sm=4, md=3),
        dbc.Col(_select(ids.ACTIONS_RFM, segments), xs=12, sm=4, md=3),
        dbc.Col(_select(ids.ACTIONS_SPEND, SPEND_LABELS), xs=12, sm=4, md=3),
    ]
    intro = html.P(
        "Your customers and prospects." if own else "Every rep's customers and prospects, or one rep's.",
        className="text-muted mb-2",
    )
    return html.Div([intro, dbc.Row(columns, className="g-2 mb-3")], id=ids.ACTIONS_SCOPE)


def _phone_list() -> html.Div:
    """The table's rows as a list, with its own pager, shown instead of the table on phones."""
    pager = html.Div(
        [
            dbc.Button("Previous", id=ids.ACTIONS_PREVIOUS, size="sm", outline=True, n_clicks=0),
            dbc.Button("Next", id=ids.ACTIONS_NEXT, size="sm", outline=True, n_clicks=0),
        ],
        className="d-flex justify-content-between mt-2",
    )
    return html.Div([html.Div(id=ids.ACTIONS_LIST), pager], className="d-md-none")


def layout(**_kwargs: Any) -> dbc.Container:
    user = current_portal_user()
    if user is None or not may_open(user.role, PATH):
        return dbc.Container(
            dbc.Alert(
                "Actions are open to sales reps, managers, marketing, analysts and administrators.",
                id=ids.ACTIONS_DENIED,
                color="warning",
            ),
            fluid=True,
        )
    viewer = Viewer.of(user)
    own = not viewer.all_customers
    try:
        controls = _scope_controls(own, viewer)
    except WarehouseError:
        logger.exception("actions: the pickers could not be read")
        return dbc.Container(dbc.Alert(UNREADABLE, color="danger"), fluid=True)
    table = paged_table(
        ids.ACTIONS_TABLE,
        view.table_columns(with_rep=not own),
        PAGE_SIZE,
        style_cell_conditional=[
            {"if": {"column_type": "numeric"}, "textAlign": "right"},
            {"if": {"column_id": "reason"}, "whiteSpace": "normal", "minWidth": "220px"},
        ],
    )
    return dbc.Container(
        [
            html.H1("Actions", className="page-title"),
            currency_note("actions"),
            controls,
            html.Div(id=ids.ACTIONS_SUMMARY, className="mb-3"),
            section(
                "Next best actions",
                [
                    picker(ids.ACTIONS_FILTER, {ALL: "All"} | view.ACTION_LABELS, ALL),
                    html.P(id=ids.ACTIONS_COUNT, className="text-muted small mt-2 mb-2"),
                    html.Div(table, className="d-none d-md-block"),
                    _phone_list(),
                ],
                actions=csv_button(ids.ACTIONS_CSV, ids.ACTIONS_DOWNLOAD, "Actions CSV"),
            ),
            dbc.Row(
                [
                    dbc.Col(
                        section("Prospects by lead score", html.Div(id=ids.ACTIONS_PROSPECTS)), xs=12, lg=7
                    ),
                    dbc.Col(section("Lead pipeline", html.Div(id=ids.ACTIONS_FUNNEL)), xs=12, lg=5),
                ],
                className="g-3",
            ),
        ],
        fluid=True,
    )


@callback(
    Output(ids.ACTIONS_TABLE, "data"),
    Output(ids.ACTIONS_TABLE, "page_count"),
    Output(ids.ACTIONS_TABLE, "page_current"),
    Output(ids.ACTIONS_COUNT, "children"),
    Output(ids.ACTIONS_LIST, "children"),
    *(Input(i, "value") for i in SCOPE_INPUTS),
    Input(ids.ACTIONS_FILTER, "value"),
    Input(ids.ACTIONS_TABLE, "page_current"),
    Input(ids.ACTIONS_PREVIOUS, "n_clicks"),
    Input(ids.ACTIONS_NEXT, "n_clicks"),
)
def refresh_actions(
    rep: str | None,
    region: str | None,
    segment: str | None,
    spend: str | None,
    action: str | None,
    page: int | None,
    _previous: int | None,
    _next: int | None,
) -> tuple[list[dict[str, Any]], int, int, str, Any]:
    """The visible page of actions, highest expected value first, as a table and as a list for phones
    (paged by the table's pager or the list's buttons); any new picker value starts again at page 1."""
    scope = Scope(rep, region, segment, spend)
    if not scope.linked:
        return [], 1, 0, UNLINKED, ""
    page = page or 0
    step = {ids.ACTIONS_PREVIOUS: -1, ids.ACTIONS_NEXT: 1}
    if ctx.triggered_id in step:
        page = max(0, page + step[str(ctx.triggered_id)])
    elif ctx.triggered_id != ids.ACTIONS_TABLE:
        page = 0
    warehouse, wanted = current_portal().warehouse, scope.actions(action)
    try:
        rows, total = queries.actions(warehouse, wanted, page, PAGE_SIZE)
        if not rows and page > 0:  # paged past the end (the list's Next on its last page)
            page = page_count(total, PAGE_SIZE) - 1
            rows, total = queries.actions(warehouse, wanted, page, PAGE_SIZE)
    except WarehouseError:
        logger.exception("actions: actions could not be read")
        return [], 1, 0, UNREADABLE, ""
    noun = "customer" if total == 1 else "customers"
    pages = page_count(total, PAGE_SIZE)
    counted = f"{fmt.count(total)} {noun}, highest expected value first"
    return view.table_rows(rows), pages, page, counted, view.action_list(rows, page, pages)


@callback(
    Output(ids.ACTIONS_SUMMARY, "children"),
    Output(ids.ACTIONS_PROSPECTS, "children"),
    Output(ids.ACTIONS_FUNNEL, "children"),
    *(Input(i, "value") for i in SCOPE_INPUTS),
)
def refresh_summary(
    rep: str | None, region: str | None, segment: str | None, spend: str | None
) -> tuple[Any, Any, Any]:
    """Actions per kind with their total expected value, the prospects most likely to convert
    (prospects have no purchases, so only the region narrows them) and the rep's lead pipeline."""
    scope = Scope(rep, region, segment, spend)
    if not scope.linked:
        return html.P(UNLINKED, className="text-muted mb-0"), "", ""
    warehouse = current_portal().warehouse
    try:
        summary = queries.action_summary(warehouse, scope.actions())
        prospects = queries.prospects(warehouse, scope.rep_key, PROSPECTS, scope.region, scope.viewer)
        funnel = queries.lead_funnel(warehouse, scope.rep_key, scope.viewer)
    except WarehouseError:
        logger.exception("actions: summary could not be read")
        return html.P(UNREADABLE, className="text-muted mb-0"), "", ""
    pipeline = [
        html.P(view.funnel_summary(funnel), className="mb-2", id="actions-funnel-summary"),
        view.funnel_table(funnel, "actions-funnel-table"),
    ]
    return view.summary_cards(summary), view.prospects_table(prospects, "actions-prospects-table"), pipeline


@callback(
    Output(ids.ACTIONS_DOWNLOAD, "data"),
    Input(ids.ACTIONS_CSV, "n_clicks"),
    *(State(i, "value") for i in SCOPE_INPUTS),
    State(ids.ACTIONS_FILTER, "value"),
    prevent_initial_call=True,
)
def download_actions(
    _clicks: int,
    rep: str | None,
    region: str | None,
    segment: str | None,
    spend: str | None,
    action: str | None,
) -> dict[str, Any]:
    """Every action in the current scope, target and filter (not just the visible page), as CSV."""
    scope = Scope(rep, region, segment, spend)
    if not scope.linked:
        raise PreventUpdate
    warehouse = current_portal().warehouse
    rows = view.csv_rows(queries.all_actions(warehouse, scope.actions(action)))
    return export_download(
        warehouse,
        scope.viewer,
        "actions",
        rows,
        view.CSV_COLUMNS,
        scope.file_name(action),
        scope.filters(action),
    )
