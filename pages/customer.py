"""Customer 360 (``/customer/<key>``): what a rep needs first (next action, call, e-mail, directions, last
orders), then the customer's timeline, purchases, relationships, the golden record with each value's source
and rule, the source records with why each joined, and the identity history.

Only customers the signed-in user may read (``warehouse.policy``); any other key reads "no such customer",
exactly like a missing one. A view that shows personal data in clear is audited. A data steward may
override a golden value here (audited; later batches keep it)."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import customer360 as c360
from components.actions import outlook_card
from components.context import current_portal
from components.currency import currency_note
from components.export import client_address, current_viewer
from components.profile import history_list, pii_shown, summary_cards
from models.sentiment import get_scorer
from warehouse import audit
from warehouse.action_queries import customer_score
from warehouse.customer360 import match_reasons, purchase_history, related_customers
from warehouse.engine import Warehouse, WarehouseError
from warehouse.overrides import OVERRIDABLE, OverrideError, may_override, set_override
from warehouse.policy import Viewer, customer_scope
from warehouse.profile import customer_profile
from warehouse.schema import mart_customer_kpi
from warehouse.timeline import KINDS, Page, customer_timeline, live_activity

logger = logging.getLogger(__name__)

TIMELINE_SIZE = 20
GOLDEN_WRAP = "customer-golden-wrap"

dash.register_page(  # type: ignore[no-untyped-call]
    __name__,
    path_template="/customer/<customer_key>",
    title="Customer · Miracle Customer 360",
    name="Customer",
)


def _card(title: str, body: Any, **kwargs: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3 c360-card", **kwargs)


def _timeline(
    warehouse: Warehouse, key: int, viewer: Viewer, kinds: list[str] | None, before: str | None
) -> Page | None:
    return customer_timeline(
        warehouse,
        key,
        kinds=kinds or None,
        before=before,
        limit=TIMELINE_SIZE,
        viewer=viewer,
        sentiment=get_scorer(),
    )


def _override_form() -> html.Div:
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Select(
                            id=c360.OVERRIDE_FIELD,
                            options=[{"label": label, "value": f} for f, label in OVERRIDABLE.items()],
                            value="company_name",
                        ),
                        xs=12,
                        md=3,
                    ),
                    dbc.Col(dbc.Input(id=c360.OVERRIDE_VALUE, placeholder="Correct value"), xs=12, md=4),
                    dbc.Col(
                        dbc.Input(id=c360.OVERRIDE_REASON, placeholder="Why (kept in the audit log)"),
                        xs=12,
                        md=3,
                    ),
                    dbc.Col(dbc.Button("Override", id=c360.OVERRIDE_SAVE, color="warning"), xs=12, md=2),
                ],
                className="g-2",
            ),
            html.Div(id=c360.OVERRIDE_RESULT, className="mt-2"),
        ]
    )


def layout(customer_key: str | None = None, **_kwargs: Any) -> dbc.Container:
    if customer_key is None or not customer_key.isdigit():
        return dbc.Container(dbc.Alert("No such customer.", color="warning"), fluid=True)
    warehouse, viewer = current_portal().warehouse, current_viewer()
    key = int(customer_key)
    try:
        profile = customer_profile(warehouse, key, viewer)
        if profile is None:
            return dbc.Container(
                dbc.Alert(f"There is no customer {customer_key}.", color="warning"), fluid=True
            )
        kpis = warehouse.rows(
            sa.select(mart_customer_kpi).where(
                mart_customer_kpi.c.customer_key == key,
                customer_scope(viewer, mart_customer_kpi.c.customer_key),
            )
        )
        score = customer_score(warehouse, key, viewer)
        timeline = _timeline(warehouse, key, viewer, None, None)
        orders = customer_timeline(warehouse, key, kinds=["order", "invoice"], limit=5, viewer=viewer)
        lines, categories = purchase_history(warehouse, key, viewer)
        related = related_customers(warehouse, key, viewer)
        activity = live_activity(warehouse, key, viewer)
        shown = pii_shown(profile) if viewer.sees_pii else []
        if shown:
            detail = audit.detail_json(fields=shown)
            audit.record(
                warehouse,
                viewer.username,
                "customer.view_pii",
                f"dim_customer:{key}",
                detail,
                client_address(),
            )
    except WarehouseError:
        logger.exception("customer %s: profile could not be read", customer_key)
        return dbc.Container(
            dbc.Alert("The warehouse could not be read; try again shortly.", color="danger"), fluid=True
        )
    customer = profile.customer
    sales_rep = profile.provenance.get("sales_rep", {}).get("value")
    items = timeline.items if timeline else []
    first_column = [
        c360.contact_bar(customer, score),
        _card("Last orders", c360.last_orders(orders.items if orders else [])),
        outlook_card(score),
        _card("Live activity", c360.live_activity_block(activity)),
        _card(
            "Golden record",
            html.Div(
                c360.golden_record_list(customer | {"sales_rep": sales_rep}, profile.provenance),
                id=GOLDEN_WRAP,
            ),
        ),
        _card("Related customers", c360.relationships_block(str(customer["name"]), related)),
    ]
    second_column = [
        summary_cards(customer, kpis[0] if kpis else None),
        _card(
            "Timeline",
            [
                c360.timeline_controls([], more=bool(timeline and timeline.next_before)),
                html.Div(c360.timeline_list(items), id=c360.TIMELINE),
            ],
        ),
        _card("Purchases", c360.purchases_block(lines, categories)),
        _card("Source records", c360.source_records_list(profile.records, match_reasons(profile.records))),
        _card("Identity history", history_list(profile.events)),
    ]
    if may_override(viewer):
        second_column.append(_card("Correct a golden value", _override_form()))
    return dbc.Container(
        [
            dcc.Store(id=c360.TIMELINE_KEY, data=key),
            dcc.Store(
                id=c360.TIMELINE_CURSORS,
                data={"stack": [None], "next": timeline.next_before if timeline else None},
            ),
            html.H1(customer["name"], className="page-title", id="customer-name"),
            html.P(
                f"Customer {customer['customer_key']} · {customer.get('segment') or 'Unassigned'} · "
                f"{customer.get('city') or 'town unknown'} · {len(profile.records)} source record(s)",
                className="text-muted",
            ),
            currency_note("customer"),
            dbc.Row(
                [
                    dbc.Col(first_column, xs=12, lg=4, className="c360-first"),
                    dbc.Col(second_column, xs=12, lg=8),
                ],
                className="g-3",
            ),
        ],
        fluid=True,
        className="c360-page",
    )


@callback(
    Output(c360.TIMELINE, "children"),
    Output(c360.TIMELINE_CURSORS, "data"),
    Output(c360.TIMELINE_OLDER, "disabled"),
    Output(c360.TIMELINE_NEWER, "disabled"),
    Output(c360.TIMELINE_PAGE, "children"),
    Input(c360.TIMELINE_KINDS, "value"),
    Input(c360.TIMELINE_OLDER, "n_clicks"),
    Input(c360.TIMELINE_NEWER, "n_clicks"),
    State(c360.TIMELINE_CURSORS, "data"),
    State(c360.TIMELINE_KEY, "data"),
    prevent_initial_call=True,
)
def page_timeline(
    kinds: list[str] | None, _older: int | None, _newer: int | None, cursors: dict[str, Any], key: int
) -> tuple[Any, dict[str, Any], bool, bool, str]:
    """Filter the timeline by kind, or step to the older / newer page."""
    viewer = current_viewer()
    cursors = cursors or {}
    stack: list[str | None] = list(cursors.get("stack") or [None])
    trigger = ctx.triggered_id
    if trigger == c360.TIMELINE_OLDER:
        if not cursors.get("next"):
            raise PreventUpdate
        stack.append(cursors["next"])
    elif trigger == c360.TIMELINE_NEWER:
        if len(stack) <= 1:
            raise PreventUpdate
        stack.pop()
    else:
        stack = [None]
    wanted = [k for k in (kinds or []) if k in KINDS]
    page = _timeline(current_portal().warehouse, int(key), viewer, wanted, stack[-1])
    if page is None:
        raise PreventUpdate
    label = f"Page {len(stack)}"
    return (
        c360.timeline_list(page.items),
        {"stack": stack, "next": page.next_before},
        not page.next_before,
        len(stack) <= 1,
        label,
    )


@callback(
    Output(c360.OVERRIDE_RESULT, "children"),
    Output(GOLDEN_WRAP, "children"),
    Input(c360.OVERRIDE_SAVE, "n_clicks"),
    State(c360.OVERRIDE_FIELD, "value"),
    State(c360.OVERRIDE_VALUE, "value"),
    State(c360.OVERRIDE_REASON, "value"),
    State(c360.TIMELINE_KEY, "data"),
    prevent_initial_call=True,
)
def override_value(
    _clicks: int | None, field: str, value: str | None, reason: str | None, key: int
) -> tuple[Any, Any]:
    """A steward sets a golden value; the golden record shows it at once."""
    viewer = current_viewer()
    warehouse = current_portal().warehouse
    try:
        set_override(warehouse, viewer, int(key), field, value or "", reason or "", client_address())
    except OverrideError as e:
        return dbc.Alert(str(e), color="danger", className="mb-0"), dash.no_update
    profile = customer_profile(warehouse, int(key), viewer)
    if profile is None:
        raise PreventUpdate
    sales_rep = profile.provenance.get("sales_rep", {}).get("value")
    saved = dbc.Alert(
        f"{OVERRIDABLE[field]} is now “{(value or '').strip()}”; later batches keep it.",
        color="success",
        className="mb-0",
    )
    return saved, c360.golden_record_list(profile.customer | {"sales_rep": sales_rep}, profile.provenance)
