"""Data quality (``/quality``): the quality rules with their trend and the stewardship items failing rules
opened, deletions held for approval, column profiles of the last batch with drift against the one before,
rejects and flagged fields.

Reads ``ops_profile`` (written by the pipeline's ``profile`` step), ``stg_reject`` and ``stg_field_flag``
through :mod:`warehouse.quality_queries`, and the deletion circuit breaker's holds through
:mod:`pipeline.deletions`; open to data stewards, analysts and administrators (see :mod:`components.access`).
Only stewards decide held deletions; the decision is audited and the next batch applies it.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components import quality as view
from components.access import current_portal_user, current_role, may_open, require
from components.context import current_portal
from components.deletions import held_list
from components.stewardship import issue_list, rules_table
from pipeline import deletions
from pipeline.lock import utc_now
from pipeline.quality import stewardship
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
            dcc.Store(id=ids.QUALITY_HOLD_DECIDED),
            dcc.Store(id=ids.QUALITY_ISSUE_DONE),
            _card("Quality rules", html.Div(id=ids.QUALITY_RULES)),
            _card(
                "Items for data stewards",
                [html.Div(id=ids.QUALITY_ISSUE_STATUS), html.Div(id=ids.QUALITY_ISSUES)],
            ),
            _card(
                "Deletions waiting for approval",
                [html.Div(id=ids.QUALITY_HOLD_STATUS), html.Div(id=ids.QUALITY_HOLDS)],
            ),
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


@callback(
    Output(ids.QUALITY_HOLDS, "children"),
    Input(ids.QUALITY_LOAD, "data"),
    Input(ids.QUALITY_HOLD_DECIDED, "data"),
)
def show_holds(_load: int | None, _decided: Any) -> Any:
    """Deletions the circuit breaker held, with the buttons to decide them for stewards."""
    require(PATH)
    user = current_portal_user()
    try:
        with current_portal().warehouse.begin() as conn:
            held = deletions.holds(conn)
    except WarehouseError:
        logger.exception("quality: the deletion holds could not be read")
        return UNREADABLE
    return held_list(held, may_decide=user is not None and user.can_steward)


@callback(
    Output(ids.QUALITY_HOLD_DECIDED, "data"),
    Output(ids.QUALITY_HOLD_STATUS, "children"),
    Input({"type": ids.QUALITY_HOLD_DECIDE, "hold": ALL, "approve": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def decide_hold(_clicks: list[int | None]) -> tuple[Any, Any]:
    """Apply or discard the clicked hold, as the signed-in steward (audited)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate  # buttons rendered, not clicked
    user = current_portal_user()
    if user is None or not user.can_steward:
        logger.warning("quality: a deletion decision refused for a user who may not steward data")
        return no_update, dbc.Alert("Only data stewards decide held deletions.", color="danger")
    hold_id, approve = int(trigger["hold"]), bool(trigger["approve"])
    try:
        with current_portal().warehouse.begin() as conn:
            landed = deletions.decide(conn, hold_id, approve, user.username, utc_now())
    except deletions.HoldError as e:
        return {"hold": hold_id}, dbc.Alert(str(e).capitalize() + ".", color="warning", className="py-2")
    except WarehouseError:
        logger.exception("quality: the decision on hold %d failed", hold_id)
        return no_update, dbc.Alert("The decision could not be saved; try again shortly.", color="danger")
    message = (
        f"Hold {hold_id}: {landed:,} deletions will be applied by the next batch."
        if approve
        else f"Hold {hold_id}: the records are kept."
    )
    return {"hold": hold_id, "approve": approve}, dbc.Alert(message, color="success", className="py-2")


@callback(
    Output(ids.QUALITY_RULES, "children"),
    Output(ids.QUALITY_ISSUES, "children"),
    Input(ids.QUALITY_LOAD, "data"),
    Input(ids.QUALITY_ISSUE_DONE, "data"),
)
def show_rules(_load: int | None, _done: Any) -> tuple[Any, Any]:
    """The rules' trend and the items failing rules opened, with the buttons to move them for stewards."""
    require(PATH)
    user = current_portal_user()
    try:
        with current_portal().warehouse.begin() as conn:
            trend = stewardship.trend(conn)
            items = stewardship.issues(conn)
    except WarehouseError:
        logger.exception("quality: the rules could not be read")
        return UNREADABLE, html.Div()
    return rules_table(trend, "quality-rule-table"), issue_list(
        items, may_act=user is not None and user.can_steward
    )


@callback(
    Output(ids.QUALITY_ISSUE_DONE, "data"),
    Output(ids.QUALITY_ISSUE_STATUS, "children"),
    Input({"type": ids.QUALITY_ISSUE_ACT, "issue": ALL, "action": ALL}, "n_clicks"),
    State({"type": ids.QUALITY_ISSUE_COMMENT, "issue": ALL}, "value"),
    State({"type": ids.QUALITY_ISSUE_COMMENT, "issue": ALL}, "id"),
    prevent_initial_call=True,
)
def act_on_issue(
    _clicks: list[int | None], comments: list[str | None], comment_ids: list[dict[str, Any]]
) -> tuple[Any, Any]:
    """Assign, comment, resolve, waive or reopen the clicked item, as the signed-in steward."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate  # buttons rendered, not clicked
    user = current_portal_user()
    if user is None or not user.can_steward:
        logger.warning("quality: an item action refused for a user who may not steward data")
        return no_update, dbc.Alert("Only data stewards act on quality items.", color="danger")
    issue_id, action = int(trigger["issue"]), str(trigger["action"])
    typed = {int(i["issue"]): c or "" for i, c in zip(comment_ids, comments, strict=True)}
    try:
        with current_portal().warehouse.begin() as conn:
            status = stewardship.act(
                conn, issue_id, action, user.username, utc_now(), typed.get(issue_id, "")
            )
    except stewardship.IssueError as e:
        return no_update, dbc.Alert(str(e)[:1].upper() + str(e)[1:] + ".", color="warning", className="py-2")
    except WarehouseError:
        logger.exception("quality: the action on item %d failed", issue_id)
        return no_update, dbc.Alert("The action could not be saved; try again shortly.", color="danger")
    done = "commented" if action == "comment" else status
    return {"issue": issue_id, "action": action}, dbc.Alert(
        f"Item {issue_id}: {done}.", color="success", className="py-2"
    )
