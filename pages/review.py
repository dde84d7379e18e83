"""Identity review (``/review``): the steward's queue of pairs the matcher found alike but kept apart.

Pairs come a page at a time, most uncertain first (or most likely), filtered by source, score band and
kind of evidence; the steward decides one pair at a time with buttons or keys (``assets/review_keys.js``:
a same, r different, s skip, j next, k previous), or a whole page of clear cases at once. Each page is one
indexed query; the count comes in its own callback, so the pair shows before it. Only users who may steward
data (``warehouse.users.STEWARD_ROLES``) see the page; every decision callback checks the role again and
every decision is audited. A decision is applied at the next match run.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components import format as fmt
from components import ids
from components import review as rv
from components.context import current_portal
from warehouse.engine import WarehouseError
from warehouse.identity_review import (
    ReviewFilter,
    decide_review,
    decide_reviews,
    pending_count,
    pending_page,
    review_sources,
)
from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

TITLE = "Identity review · Miracle Customer 360"
dash.register_page(__name__, path="/review", title=TITLE, name="Review", order=2)  # type: ignore[no-untyped-call]

PAGE_SIZE = 25
NOT_ALLOWED = "Only data stewards and administrators decide identity matches."
DECIDED = {"accepted": "same customer", "rejected": "different customers"}
FILTERS = [
    Input(rv.SOURCE, "value"),
    Input(rv.BAND, "value"),
    Input(rv.KIND, "value"),
    Input(rv.ORDER, "value"),
]


def _steward() -> PortalUser | None:
    """The signed-in user if they may steward data, else None."""
    user = getattr(current_user, "user", None) if current_user.is_authenticated else None
    return user if isinstance(user, PortalUser) and user.can_steward else None


def review_filter(source: str | None, band: str | None, kind: str | None, order: str | None) -> ReviewFilter:
    """The filter the controls describe; an unknown value (a tampered request) is refused by ReviewFilter."""

    def chosen(value: str | None) -> str | None:
        return None if not value or value == rv.ANY else value

    return ReviewFilter(
        source=chosen(source), band=chosen(band), kind=chosen(kind), order=order or "uncertain"
    )


def layout(**_kwargs: Any) -> dbc.Container:
    title = html.H1("Identity review", className="page-title")
    if _steward() is None:
        return dbc.Container([title, dbc.Alert(NOT_ALLOWED, color="secondary")], fluid=True)
    try:
        sources = review_sources(current_portal().warehouse)
    except WarehouseError:
        logger.exception("review: the sources could not be read")
        sources = []
    return dbc.Container(
        [
            title,
            html.P(
                "Each pair scored alike but was kept apart by conflicting details. Decide whether the two "
                "records are one customer; the next match run applies your decision and keeps it.",
                className="text-muted",
            ),
            rv.filters(sources),
            html.Div(id=ids.REVIEW_COUNT, className="mb-2"),
            html.Div(id=ids.REVIEW_STATUS),
            dcc.Store(id=ids.REVIEW_DECIDED),
            dcc.Store(id=rv.PAIRS),
            dcc.Store(id=rv.POSITION, data={"key": None, "index": 0}),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(id=ids.REVIEW_LIST),
                            rv.decision_buttons(disabled=True),
                            rv.shortcuts_hint(),
                        ],
                        lg=8,
                    ),
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody([html.H2("This page", className="h6"), html.Div(id=rv.QUEUE)]),
                            className="mb-3",
                        ),
                        lg=4,
                    ),
                ]
            ),
            dbc.Pagination(id=rv.PAGES, max_value=1, active_page=1, fully_expanded=False, size="sm"),
            rv.bulk_buttons(),
        ],
        fluid=True,
    )


@callback(
    Output(rv.PAIRS, "data"),
    *FILTERS,
    Input(rv.PAGES, "active_page"),
    Input(ids.REVIEW_DECIDED, "data"),
)
def load(
    source: str | None, band: str | None, kind: str | None, order: str | None, page: int | None, _decided: Any
) -> dict[str, Any]:
    """One page of the queue (one indexed query, no count)."""
    if _steward() is None:
        return {"key": None, "pairs": []}
    try:
        where = review_filter(source, band, kind, order)
    except ValueError:  # not one of the options offered
        raise PreventUpdate from None
    page = max(1, page or 1)
    if ctx.triggered_id in (rv.SOURCE, rv.BAND, rv.KIND, rv.ORDER):
        page = 1  # a new filter starts at its first page (the count callback moves the pager back too)
    try:
        pairs = pending_page(current_portal().warehouse, where, page - 1, PAGE_SIZE)
    except WarehouseError:
        logger.exception("review: the queue could not be read")
        return {"key": None, "pairs": [], "error": True}
    key = f"{where.source}|{where.band}|{where.kind}|{where.order}|{page}"
    return {"key": key, "pairs": [rv.pair_data(p) for p in pairs]}


@callback(
    Output(ids.REVIEW_COUNT, "children"),
    Output(rv.PAGES, "max_value"),
    Output(rv.PAGES, "active_page"),
    *FILTERS,
    Input(ids.REVIEW_DECIDED, "data"),
)
def count(
    source: str | None, band: str | None, kind: str | None, order: str | None, _decided: Any
) -> tuple[str, int, Any]:
    """How many pairs wait in the filter, and the pager's length."""
    if _steward() is None:
        return "", 1, no_update
    try:
        where = review_filter(source, band, kind, order)
    except ValueError:  # not one of the options offered
        raise PreventUpdate from None
    try:
        total = pending_count(current_portal().warehouse, where)
    except WarehouseError:
        logger.exception("review: the queue could not be counted")
        return "The warehouse could not be read; try again shortly.", 1, no_update
    filtered = where.source or where.band or where.kind
    noun = "pair waits" if total == 1 else "pairs wait"
    pages = max(1, -(-total // PAGE_SIZE))
    page = 1 if ctx.triggered_id in (rv.SOURCE, rv.BAND, rv.KIND, rv.ORDER) else no_update
    return f"{fmt.count(total)} {noun} for review" + (" in this selection" if filtered else ""), pages, page


@callback(
    Output(rv.POSITION, "data"),
    Input(rv.PAIRS, "data"),
    Input(rv.SKIP, "n_clicks"),
    Input(rv.NEXT, "n_clicks"),
    Input(rv.PREVIOUS, "n_clicks"),
    State(rv.POSITION, "data"),
)
def move(
    pairs: dict[str, Any] | None, _skip: Any, _next: Any, _previous: Any, position: dict[str, Any] | None
) -> Any:
    """Which pair of the page is shown: a decided pair leaves the page and the next takes its place."""
    shown = len((pairs or {}).get("pairs", []))
    key = (pairs or {}).get("key")
    index = int((position or {}).get("index") or 0)
    if (position or {}).get("key") != key:
        index = 0  # another filter or page
    if ctx.triggered_id in (rv.SKIP, rv.NEXT):
        index += 1
    elif ctx.triggered_id == rv.PREVIOUS:
        index -= 1
    return {"key": key, "index": max(0, min(index, shown - 1))}


@callback(
    Output(ids.REVIEW_LIST, "children"),
    Output(rv.QUEUE, "children"),
    Output(rv.ACCEPT, "disabled"),
    Output(rv.REJECT, "disabled"),
    Output(rv.SKIP, "disabled"),
    Output(rv.NEXT, "disabled"),
    Output(rv.PREVIOUS, "disabled"),
    Input(rv.POSITION, "data"),
    State(rv.PAIRS, "data"),
)
def show(position: dict[str, Any] | None, pairs: dict[str, Any] | None) -> tuple[Any, ...]:
    """The pair in front of the steward and the page's queue beside it."""
    data = pairs or {}
    if data.get("error"):
        message = dbc.Alert("The warehouse could not be read; try again shortly.", color="danger")
        return message, [], True, True, True, True, True
    listed = [rv.pair_from_data(d) for d in data.get("pairs", [])]
    if not listed:
        return rv.empty_queue(), [], True, True, True, True, True
    index = max(0, min(int((position or {}).get("index") or 0), len(listed) - 1))
    last = index >= len(listed) - 1
    card = rv.review_card(listed[index], index, len(listed))
    return card, rv.queue_list(listed, index), False, False, last, last, index == 0


def _saved(message: str, color: str) -> dbc.Alert:
    return dbc.Alert(message, color=color, className="py-2", id=ids.REVIEW_STATUS + "-alert")


@callback(
    Output(ids.REVIEW_DECIDED, "data"),
    Output(ids.REVIEW_STATUS, "children"),
    Input(rv.ACCEPT, "n_clicks"),
    Input(rv.REJECT, "n_clicks"),
    State(rv.PAIRS, "data"),
    State(rv.POSITION, "data"),
    prevent_initial_call=True,
)
def decide(_accept: Any, _reject: Any, pairs: dict[str, Any] | None, position: dict[str, Any] | None) -> Any:
    """Write the decision on the pair shown; the queue then reloads without it."""
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    user = _steward()
    if user is None:
        logger.warning("review: decision refused for a user who may not steward data")
        return no_update, dbc.Alert(NOT_ALLOWED, color="danger")
    listed = (pairs or {}).get("pairs", [])
    index = int((position or {}).get("index") or 0)
    if not 0 <= index < len(listed):
        raise PreventUpdate
    pair = rv.pair_from_data(listed[index])
    left, right = pair.left.record_id, pair.right.record_id
    decision = "accepted" if ctx.triggered_id == rv.ACCEPT else "rejected"
    try:
        done = decide_review(current_portal().warehouse, left, right, decision, user.username)
    except (WarehouseError, ValueError):
        logger.exception("review: decision on %s / %s failed", left, right)
        return no_update, dbc.Alert("The decision could not be saved; try again shortly.", color="danger")
    decided = {"left": left, "right": right, "decision": decision}
    if not done:
        return decided, _saved(f"{left} / {right} was already decided.", "warning")
    return decided, _saved(f"Saved: {left} and {right} are {DECIDED[decision]}.", "success")


@callback(
    Output(ids.REVIEW_DECIDED, "data", allow_duplicate=True),
    Output(ids.REVIEW_STATUS, "children", allow_duplicate=True),
    Input(rv.BULK_ACCEPT, "n_clicks"),
    Input(rv.BULK_REJECT, "n_clicks"),
    State(rv.PAIRS, "data"),
    prevent_initial_call=True,
)
def decide_page(_accept: Any, _reject: Any, pairs: dict[str, Any] | None) -> Any:
    """One decision for every pair on the page shown (each audited on its own)."""
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    user = _steward()
    if user is None:
        logger.warning("review: bulk decision refused for a user who may not steward data")
        return no_update, dbc.Alert(NOT_ALLOWED, color="danger")
    listed = [rv.pair_from_data(d) for d in (pairs or {}).get("pairs", [])]
    if not listed:
        raise PreventUpdate
    decision = "accepted" if ctx.triggered_id == rv.BULK_ACCEPT else "rejected"
    keys = [(p.left.record_id, p.right.record_id) for p in listed]
    try:
        done = decide_reviews(current_portal().warehouse, keys, decision, user.username)
    except (WarehouseError, ValueError):
        logger.exception("review: bulk decision on %d pairs failed", len(keys))
        return no_update, dbc.Alert("The decisions could not be saved; try again shortly.", color="danger")
    noun = "pair" if done == 1 else "pairs"
    return {"bulk": decision, "pairs": done}, _saved(
        f"Saved: {done} {noun} marked {DECIDED[decision]}.", "success"
    )
