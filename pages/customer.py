"""Customer 360 (``/customer/<key>``): the golden record with each value's source and rule, the source
records behind it, its identity history, headline figures, and its scores with the next best action.

Only customers the signed-in user may read (``warehouse.policy``); any other key reads "no such customer",
exactly like a missing one. A view that shows personal data in clear is audited."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import html

from components.actions import outlook_card
from components.context import current_portal
from components.currency import currency_note
from components.export import client_address, current_viewer
from components.profile import (
    golden_record_table,
    history_list,
    pii_shown,
    source_records_table,
    summary_cards,
)
from warehouse import audit
from warehouse.action_queries import customer_score
from warehouse.engine import WarehouseError
from warehouse.policy import customer_scope
from warehouse.profile import customer_profile
from warehouse.schema import mart_customer_kpi

logger = logging.getLogger(__name__)

dash.register_page(  # type: ignore[no-untyped-call]
    __name__,
    path_template="/customer/<customer_key>",
    title="Customer · Miracle Customer 360",
    name="Customer",
)


def _card(title: str, body: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3")


def layout(customer_key: str | None = None, **_kwargs: Any) -> dbc.Container:
    if customer_key is None or not customer_key.isdigit():
        return dbc.Container(dbc.Alert("No such customer.", color="warning"), fluid=True)
    warehouse, viewer = current_portal().warehouse, current_viewer()
    key = int(customer_key)
    try:
        profile = customer_profile(warehouse, key, viewer)
        kpis = warehouse.rows(
            sa.select(mart_customer_kpi).where(
                mart_customer_kpi.c.customer_key == key,
                customer_scope(viewer, mart_customer_kpi.c.customer_key),
            )
        )
        score = customer_score(warehouse, key, viewer)
        shown = pii_shown(profile) if profile is not None and viewer.sees_pii else []
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
    if profile is None:
        return dbc.Container(dbc.Alert(f"There is no customer {customer_key}.", color="warning"), fluid=True)
    customer = profile.customer
    sales_rep = profile.provenance.get("sales_rep", {}).get("value")
    return dbc.Container(
        [
            html.H1(customer["name"], className="page-title", id="customer-name"),
            html.P(
                f"Customer {customer['customer_key']} · {customer.get('segment') or 'Unassigned'} · "
                f"{customer.get('city') or 'town unknown'} · {len(profile.records)} source record(s)",
                className="text-muted",
            ),
            currency_note("customer"),
            summary_cards(customer, kpis[0] if kpis else None),
            outlook_card(score),
            _card(
                "Golden record", golden_record_table(customer | {"sales_rep": sales_rep}, profile.provenance)
            ),
            _card("Source records", source_records_table(profile.records)),
            _card("Identity history", history_list(profile.events)),
        ],
        fluid=True,
    )
