"""Identity review (``/review``): pairs the matcher found alike but kept apart, for a data steward to decide.

Only users who may steward data (``warehouse.users.STEWARD_ROLES``) see the page and its navbar link;
the decision callback checks the role again on the server. A decision is applied at the next match run.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components import format as fmt
from components import ids
from components.context import current_portal
from components.review import review_list
from warehouse.engine import WarehouseError
from warehouse.identity_review import decide_review, pending_reviews
from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

TITLE = "Identity review · Miracle Customer 360"
dash.register_page(__name__, path="/review", title=TITLE, name="Review", order=2)  # type: ignore[no-untyped-call]

PAGE_SIZE = 25
NOT_ALLOWED = "Only data stewards and administrators decide identity matches."
DECIDED = {"accepted": "same customer", "rejected": "different customers"}


def _steward() -> PortalUser | None:
    """The signed-in user if they may steward data, else None."""
    user = getattr(current_user, "user", None) if current_user.is_authenticated else None
    return user if isinstance(user, PortalUser) and user.can_steward else None


def layout(**_kwargs: Any) -> dbc.Container:
    title = html.H1("Identity review", className="page-title")
    if _steward() is None:
        return dbc.Container([title, dbc.Alert(NOT_ALLOWED, color="secondary")], fluid=True)
    return dbc.Container(
        [
            title,
            html.P(
                "Each pair scored alike but was kept apart by conflicting details. Decide whether the two "
                "records are one customer; the next match run applies your decision and keeps it.",
                className="text-muted",
            ),
            html.Div(id=ids.REVIEW_COUNT, className="mb-2"),
            html.Div(id=ids.REVIEW_STATUS),
            dcc.Store(id=ids.REVIEW_DECIDED),
            html.Div(id=ids.REVIEW_LIST),
        ],
        fluid=True,
    )


@callback(
    Output(ids.REVIEW_DECIDED, "data"),
    Output(ids.REVIEW_STATUS, "children"),
    Input({"type": ids.REVIEW_DECIDE, "left": ALL, "right": ALL, "decision": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def decide(_clicks: list[int | None]) -> tuple[Any, Any]:
    """Write the clicked decision; the list then refreshes through the store."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate  # buttons rendered, not clicked
    user = _steward()
    if user is None:
        logger.warning("review: decision refused for a user who may not steward data")
        return no_update, dbc.Alert(NOT_ALLOWED, color="danger")
    left, right, decision = str(trigger["left"]), str(trigger["right"]), str(trigger["decision"])
    try:
        done = decide_review(current_portal().warehouse, left, right, decision, user.username)
    except (WarehouseError, ValueError):
        logger.exception("review: decision on %s / %s failed", left, right)
        return no_update, dbc.Alert("The decision could not be saved; try again shortly.", color="danger")
    if not done:
        message, color = f"{left} / {right} was already decided.", "warning"
    else:
        message, color = f"Saved: {left} and {right} are {DECIDED[decision]}.", "success"
    return {"left": left, "right": right, "decision": decision}, dbc.Alert(
        message, color=color, className="py-2", id=ids.REVIEW_STATUS + "-alert"
    )


@callback(
    Output(ids.REVIEW_LIST, "children"),
    Output(ids.REVIEW_COUNT, "children"),
    Input(ids.REVIEW_DECIDED, "data"),
)
def show(_decided: Any) -> tuple[list[Any], str]:
    """The most likely pending pairs and how many wait in all."""
    if _steward() is None:
        return [], ""
    try:
        pairs, total = pending_reviews(current_portal().warehouse, PAGE_SIZE)
    except WarehouseError:
        logger.exception("review: the queue could not be read")
        return [], "The warehouse could not be read; try again shortly."
    noun = "pair waits" if total == 1 else "pairs wait"
    shown = f"; the {len(pairs)} most likely are shown" if total > len(pairs) else ""
    return review_list(pairs), f"{fmt.count(total)} {noun} for review{shown}"
