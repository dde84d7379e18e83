"""The customer 360 profile: pure builders from a ``warehouse.profile.Profile`` to page components (the
headline figures, identity history and which personal data a view shows; the rest is in ``components.customer360``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt
from warehouse.policy import PII_FIELDS
from warehouse.profile import Profile


def pii_shown(profile: Profile) -> list[str]:
    """The personal-data fields with a value on this profile (golden record or source records)."""
    fields = {f for f in PII_FIELDS if profile.customer.get(f)}
    fields |= {f for r in profile.records for f in PII_FIELDS if r.get(f)}
    return sorted(fields)


def history_list(events: Sequence[Mapping[str, Any]]) -> html.Ul:
    """New, merge and split events of this customer, newest first."""
    if not events:
        return html.Ul([html.Li("No changes recorded.", className="text-muted")], className="mb-0")
    return html.Ul(
        [html.Li(f"Batch {e['batch_id']} · {e['kind']}: {e['reason']}") for e in events],
        className="mb-0 small",
    )


def summary_cards(customer: Mapping[str, Any], kpis: Mapping[str, Any] | None) -> dbc.Row:
    """Headline figures: revenue, orders, last purchase, profile completeness."""
    kpis = kpis or {}
    items = [
        ("Revenue (all time)", fmt.money(kpis.get("revenue_total") or 0)),
        ("Revenue (12 months)", fmt.money(kpis.get("revenue_365d") or 0)),
        ("Orders", fmt.count(kpis.get("orders") or 0)),
        ("Last purchase", str(kpis.get("last_purchase") or "never")),
        ("Profile completeness", f"{round(100 * float(customer.get('completeness') or 0))}%"),
    ]
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [html.Div(label, className="kpi-label"), html.Div(value, className="kpi-value")]
                    ),
                    className="kpi-card",
                ),
                xs=6,
                sm=6,
                lg=True,
            )
            for label, value in items
        ],
        className="g-3 mb-3",
    )
