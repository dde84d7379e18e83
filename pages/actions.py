"""Actions (``/actions``): each customer's next best action ranked by expected value, and prospects by
lead score.

A sales rep sees the customers and prospects whose golden record names them; managers, marketing,
analysts and administrators see everyone's and can pick one rep. Reads ``mart_customer_score`` (the
pipeline's ``score`` step) through :mod:`warehouse.action_queries`. The current list exports as CSV.
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
from components.controls import csv_button, csv_download, paged_table, picker, section
from warehouse import action_queries as queries
from warehouse.engine import WarehouseError
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


class Scope:
    """Whose customers the request may read: a rep's own, or (for other roles) the rep they picked."""

    def __init__(self, rep_value: str | None) -> None:
        user = current_portal_user()
        if user is None or not may_open(user.role, PATH):
            raise PreventUpdate  # a callback can be posted without the page
        self.own = user.role == "sales_rep"
        self.linked = not self.own or user.rep_key is not None
        if self.own:
            self.rep_key = user.rep_key
        else:
            self.rep_key = int(rep_value) if rep_value and rep_value.isdigit() else None

    def actions(self, action: str | None) -> queries.ActionScope:
        return queries.ActionScope(self.rep_key, action if action in view.ACTION_LABELS else None)


def _rep_control(own: bool) -> Any:
    """A rep picker for roles that see every rep; a rep sees only their own (the picker stays, hidden,
    because the callbacks read it)."""
    if own:
        return html.Div(
            [
                html.P("Your customers and prospects.", className="text-muted mb-2"),
                html.Div(dbc.Select(id=ids.ACTIONS_REP, options=[], value=ALL), hidden=True),
            ],
            id=ids.ACTIONS_SCOPE,
        )
    reps = queries.sales_reps(current_portal().warehouse)
    options = [{"label": "All sales reps", "value": ALL}] + [
        {"label": r["name"], "value": str(r["rep_key"])} for r in reps
    ]
    return dbc.Row(
        dbc.Col(dbc.Select(id=ids.ACTIONS_REP, options=options, value=ALL), xs=12, md=6, lg=4),
        className="mb-3",
        id=ids.ACTIONS_SCOPE,
    )


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
    own = user.role == "sales_rep"
    try:
        scope = _rep_control(own)
    except WarehouseError:
        logger.exception("actions: sales reps could not be read")
        scope = dbc.Alert(UNREADABLE, color="danger")
    table = paged_table(
        ids.ACTIONS_TABLE,
        view.table_columns(with_rep=not own),
        PAGE_SIZE,
        style_cell_conditional=[
            {"if": {"column_type": "numeric"}, "textAlign": "right"},
            {"if": {"column_id": "reason"}, "whiteSpace": "normal", "minWidth": "220px"},
        ],
    )
    filters = {ALL: "All"} | view.ACTION_LABELS
    return dbc.Container(
        [
            html.H1("Actions", className="page-title"),
            scope,
            html.Div(id=ids.ACTIONS_SUMMARY, className="mb-3"),
            section(
                "Next best actions",
                [
                    picker(ids.ACTIONS_FILTER, filters, ALL),
                    html.P(id=ids.ACTIONS_COUNT, className="text-muted small mt-2 mb-2"),
                    html.Div(table, className="d-none d-md-block"),
                    html.Div(
                        [
                            html.Div(id=ids.ACTIONS_LIST),
                            html.Div(
                                [
                                    dbc.Button(
                                        "Previous",
                                        id=ids.ACTIONS_PREVIOUS,
                                        size="sm",
                                        outline=True,
                                        n_clicks=0,
                                    ),
                                    dbc.Button(
                                        "Next", id=ids.ACTIONS_NEXT, size="sm", outline=True, n_clicks=0
                                    ),
                                ],
                                className="d-flex justify-content-between mt-2",
                            ),
                        ],
                        className="d-md-none",
                    ),
                ],
                actions=csv_button(ids.ACTIONS_CSV, ids.ACTIONS_DOWNLOAD, "Actions CSV"),
            ),
            section("Prospects by lead score", html.Div(id=ids.ACTIONS_PROSPECTS)),
        ],
        fluid=True,
    )


@callback(
    Output(ids.ACTIONS_TABLE, "data"),
    Output(ids.ACTIONS_TABLE, "page_count"),
    Output(ids.ACTIONS_TABLE, "page_current"),
    Output(ids.ACTIONS_COUNT, "children"),
    Output(ids.ACTIONS_LIST, "children"),
    Input(ids.ACTIONS_REP, "value"),
    Input(ids.ACTIONS_FILTER, "value"),
    Input(ids.ACTIONS_TABLE, "page_current"),
    Input(ids.ACTIONS_PREVIOUS, "n_clicks"),
    Input(ids.ACTIONS_NEXT, "n_clicks"),
)
def refresh_actions(
    rep: str | None, action: str | None, page: int | None, _previous: int | None, _next: int | None
) -> tuple[list[dict[str, Any]], int, int, str, Any]:
    """The visible page of actions, highest expected value first, as a table and as a list for phones
    (paged by the table's pager or the list's buttons); a new rep or filter starts at page 1."""
    scope = Scope(rep)
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
    Input(ids.ACTIONS_REP, "value"),
)
def refresh_summary(rep: str | None) -> tuple[Any, Any]:
    """Actions per kind with their total expected value, and the prospects most likely to convert."""
    scope = Scope(rep)
    if not scope.linked:
        return html.P(UNLINKED, className="text-muted mb-0"), ""
    warehouse = current_portal().warehouse
    try:
        summary = queries.action_summary(warehouse, scope.rep_key)
        prospects = queries.prospects(warehouse, scope.rep_key, PROSPECTS)
    except WarehouseError:
        logger.exception("actions: summary could not be read")
        return html.P(UNREADABLE, className="text-muted mb-0"), ""
    return view.summary_cards(summary), view.prospects_table(prospects, "actions-prospects-table")


@callback(
    Output(ids.ACTIONS_DOWNLOAD, "data"),
    Input(ids.ACTIONS_CSV, "n_clicks"),
    State(ids.ACTIONS_REP, "value"),
    State(ids.ACTIONS_FILTER, "value"),
    prevent_initial_call=True,
)
def download_actions(_clicks: int, rep: str | None, action: str | None) -> dict[str, Any]:
    """Every action in the current scope and filter, as CSV."""
    scope = Scope(rep)
    if not scope.linked:
        raise PreventUpdate
    rows, _total = queries.actions(
        current_portal().warehouse, scope.actions(action), 0, queries.MAX_PAGE_SIZE
    )
    who = "mine" if scope.own else (f"rep-{scope.rep_key}" if scope.rep_key is not None else "all-reps")
    what = (action if action in view.ACTION_LABELS else ALL).replace("_", "-")
    return csv_download(view.csv_rows(rows), view.CSV_COLUMNS, f"next-best-actions-{who}-{what}.csv")
