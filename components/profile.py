"""The customer 360 profile: pure builders from a ``warehouse.profile.Profile`` to page components."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt
from warehouse.policy import PII_FIELDS
from warehouse.profile import Profile

FIELD_LABELS = (
    ("name", "Name"), ("contact_name", "Contact"), ("email", "E-mail"), ("phone", "Phone"),
    ("street", "Street"), ("city", "Town"), ("postcode", "Postcode"), ("region", "Region"),
    ("website", "Website"), ("instagram_handle", "Instagram"), ("segment", "Segment"), ("sales_rep", "Sales rep"),
)  # fmt: skip
RULE_TEXT = {
    "source_priority": "most trusted source",
    "most_recent": "most recently updated",
    "most_frequent": "most records agree",
}


def golden_record_table(
    customer: Mapping[str, Any], provenance: Mapping[str, Mapping[str, Any]]
) -> dbc.Table:
    """Each golden value beside the record it came from and the rule that chose it."""
    rows = []
    for field, label in FIELD_LABELS:
        won = provenance.get(field)
        value = customer.get(field) if field in customer else (won or {}).get("value")
        if value in (None, "") and won is None:
            continue
        source = f"{won['source']} · {won['source_key']}" if won else "—"
        rule = f"{RULE_TEXT.get(won['rule'], won['rule'])} ({won['candidates']} offered)" if won else "—"
        rows.append(html.Tr([html.Th(label), html.Td(str(value or "")), html.Td(source), html.Td(rule)]))
    head = html.Thead(
        html.Tr([html.Th("Field"), html.Th("Value"), html.Th("From record"), html.Th("Chosen because")])
    )
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="mb-0")


def pii_shown(profile: Profile) -> list[str]:
    """The personal-data fields with a value on this profile (golden record or source records)."""
    fields = {f for f in PII_FIELDS if profile.customer.get(f)}
    fields |= {f for r in profile.records for f in PII_FIELDS if r.get(f)}
    return sorted(fields)


def source_records_table(records: Sequence[Mapping[str, Any]]) -> dbc.Table:
    """The source records resolved to this customer and how each was matched."""
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Source", "Record", "Kind", "Name", "E-mail", "Phone", "Matched by")])
    )
    body = [
        html.Tr(
            [
                html.Td(r["source"]),
                html.Td(r["source_key"]),
                html.Td(r.get("entity") or ""),
                html.Td(r.get("company_name") or r.get("display_name") or ""),
                html.Td(r.get("email") or ""),
                html.Td(r.get("phone") or ""),
                html.Td(r.get("match_rule") or ""),
            ]
        )
        for r in records
    ]
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="mb-0")


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
