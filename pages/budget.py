"""Budget (``/budget``): the bounded channel plan, budget alerts, and reallocation requests.

Marketing, managers and admins see the plan (each channel within the configured range around its current
daily spend, with the gain as a range and held channels with the reason) and may request it; a request
that moves more than ``settings.budget_approval_threshold`` a day waits for a manager, who approves or
rejects it here (:mod:`warehouse.budget_queries`; every step is in the audit log).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components.access import current_portal_user, current_role, may_open, require
from components.context import current_portal
from components.controls import section
from warehouse import budget_queries as budget
from warehouse.engine import WarehouseError

logger = logging.getLogger(__name__)

PATH = "/budget"
TITLE = "Budget · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Budget", order=5)  # type: ignore[no-untyped-call]

DENIED = "Budget plans are open to marketing, managers and administrators."
LOAD, ALERTS, PLAN, GAIN, REQUEST, STATUS, QUEUE = (
    "budget-load",
    "budget-alerts",
    "budget-plan",
    "budget-gain",
    "budget-request",
    "budget-status",
    "budget-queue",
)
DECISION = "budget-decision"


def layout(**_kwargs: Any) -> dbc.Container:
    if not may_open(current_role(), PATH):
        return dbc.Container(dbc.Alert(DENIED, id="budget-denied", color="warning"), fluid=True)
    return dbc.Container(
        [
            html.H1("Budget", className="page-title"),
            dcc.Store(id=LOAD, data=0),
            html.Div(id=ALERTS),
            section(
                "Channel plan",
                [
                    html.P(id=GAIN, className="driver-sentence"),
                    html.Div(id=PLAN),
                    dbc.Button("Request this reallocation", id=REQUEST, color="primary", className="mt-2"),
                    html.P(id=STATUS, className="mt-2 mb-0"),
                ],
            ),
            section("Reallocation requests", html.Div(id=QUEUE)),
        ],
        fluid=True,
    )


def _money(value: float) -> str:
    return f"£{value:,.2f}"


def _plan(portal: Any) -> Any:
    today = portal.today()
    if today is None:
        return None
    s = portal.settings
    return budget.channel_plan(portal.warehouse, today, s.budget_lower, s.budget_upper)


def _plan_table(plan: Any) -> Any:
    if plan is None:
        return html.P(
            "No response curves yet: the batch fits them from campaign spend.", className="text-muted"
        )
    head = html.Thead(
        html.Tr([html.Th(t) for t in ("Channel", "Now / day", "Range", "Recommended", "Why held")])
    )
    body = []
    for row in plan.channels.itertuples():
        body.append(
            html.Tr(
                [
                    html.Td(row.channel),
                    html.Td(_money(row.current_spend)),
                    html.Td(f"{_money(row.lower_bound)} – {_money(row.upper_bound)}"),
                    html.Td(_money(row.recommended_spend)),
                    html.Td(row.held or ""),
                ]
            )
        )
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, id="budget-plan-table")


def _queue(requests: list[budget.Request], role: str | None) -> Any:
    if not requests:
        return html.P("No reallocation has been requested yet.", className="text-muted mb-0")
    items = []
    for r in requests:
        buttons: list[Any] = []
        if r.status == budget.PENDING and role in budget.DECIDER_ROLES:
            buttons = [
                dbc.Button(
                    "Approve",
                    id={"type": DECISION, "id": r.request_id, "do": "approve"},
                    size="sm",
                    color="success",
                    className="me-2",
                ),
                dbc.Button(
                    "Reject",
                    id={"type": DECISION, "id": r.request_id, "do": "reject"},
                    size="sm",
                    color="outline-danger",
                ),
            ]
        items.append(
            dbc.ListGroupItem(
                [
                    html.Div(
                        f"#{r.request_id} by {r.requested_by}, {r.requested_at:%d %b %Y %H:%M}",
                        className="small text-muted",
                    ),
                    html.Div(r.sentence(), className=f"budget-request-status status-{r.status}"),
                    html.Div(buttons, className="mt-1"),
                ],
                id=f"budget-request-{r.request_id}",
            )
        )
    return dbc.ListGroup(items)


@callback(
    Output(ALERTS, "children"),
    Output(GAIN, "children"),
    Output(PLAN, "children"),
    Output(QUEUE, "children"),
    Input(LOAD, "data"),
)
def refresh(_load: int | None) -> tuple[Any, ...]:
    """Alerts, the plan and the request queue, read when the page opens."""
    require(PATH)
    portal = current_portal()
    try:
        plan = _plan(portal)
        today = portal.today()
        spend = budget.channel_days(portal.warehouse, today) if today else {}
        alerts = budget.budget_alerts(spend, portal.settings.budget_alert_ratio)
        requests = budget.list_requests(portal.warehouse)
    except WarehouseError:
        logger.exception("budget: warehouse query failed")
        return "", "The warehouse could not be read; try again shortly.", "", ""
    alert_box = (
        dbc.Alert(
            [html.Strong("Spend alerts: "), *[html.Div(a.sentence()) for a in alerts]],
            color="danger",
            id="budget-alert-list",
        )
        if alerts
        else ""
    )
    gain = "" if plan is None else f"Expected gain of the plan: {plan.gain_text()}."
    return alert_box, gain, _plan_table(plan), _queue(requests, current_role())


@callback(
    Output(STATUS, "children"),
    Output(QUEUE, "children", allow_duplicate=True),
    Input(REQUEST, "n_clicks"),
    prevent_initial_call=True,
)
def request(_clicks: int | None) -> tuple[str, Any]:
    """Record the current plan as a reallocation request (applied, or waiting for a manager)."""
    require(PATH)
    user = current_portal_user()
    portal = current_portal()
    plan = _plan(portal)
    if user is None or plan is None:
        raise PreventUpdate
    rows = [
        {
            "channel": r.channel,
            "current": r.current_spend,
            "recommended": r.recommended_spend,
            "lower": r.lower_bound,
            "upper": r.upper_bound,
        }
        for r in plan.channels.itertuples()
    ]
    made = budget.request_reallocation(
        portal.warehouse, user.username, rows, portal.settings.budget_approval_threshold
    )
    return made.sentence(), _queue(budget.list_requests(portal.warehouse), user.role)


@callback(
    Output(QUEUE, "children", allow_duplicate=True),
    Output(STATUS, "children", allow_duplicate=True),
    Input({"type": DECISION, "id": ALL, "do": ALL}, "n_clicks"),
    State(STATUS, "children"),
    prevent_initial_call=True,
)
def decide(clicks: list[int | None], status: Any) -> tuple[Any, Any]:
    """A manager approves or rejects a pending request."""
    require(PATH)
    trigger = ctx.triggered_id
    if not trigger or not any(clicks):
        raise PreventUpdate
    user = current_portal_user()
    if user is None:
        raise PreventUpdate
    portal = current_portal()
    try:
        made = budget.decide(
            portal.warehouse, int(trigger["id"]), user.username, user.role, trigger["do"] == "approve"
        )
        message = made.sentence()
    except budget.BudgetError as e:
        message = str(e)
    return _queue(budget.list_requests(portal.warehouse), user.role), message
