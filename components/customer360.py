"""Customer 360 builders: the contact bar (next action, call, e-mail, directions), last orders, the timeline,
purchases by category, the relationship network, and the golden record and source records as compact lists.

Pure: data in, Dash components or Plotly figures out. Lists rather than wide tables, so nothing is cut off
on a 375 px phone and no row is taller than its text.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

import dash_bootstrap_components as dbc
import plotly.io as pio
from dash import dcc, html

from components import format as fmt
from components.actions import action_label
from warehouse.customer360 import RELATIONSHIP_LABELS
from warehouse.policy import MASK
from warehouse.timeline import KINDS, Item, sentiment_label

# Component ids of the Customer 360 page.
CONTACT_BAR = "customer-contact-bar"
CALL_LINK = "customer-call-link"
EMAIL_LINK = "customer-email-link"
MAPS_LINK = "customer-maps-link"
LAST_ORDERS = "customer-last-orders"
LIVE_ACTIVITY = "customer-live-activity"
TIMELINE = "customer-timeline"
TIMELINE_KINDS = "customer-timeline-kinds"
TIMELINE_OLDER = "customer-timeline-older"
TIMELINE_NEWER = "customer-timeline-newer"
TIMELINE_CURSORS = "customer-timeline-cursors"
TIMELINE_KEY = "customer-timeline-key"
TIMELINE_PAGE = "customer-timeline-page"
PURCHASES = "customer-purchases"
RELATIONSHIPS = "customer-relationships"
RELATIONSHIP_GRAPH = "customer-relationship-graph"
GOLDEN_RECORD = "customer-golden-record"
SOURCE_RECORDS = "customer-source-records"
OVERRIDE_FIELD = "customer-override-field"
OVERRIDE_VALUE = "customer-override-value"
OVERRIDE_REASON = "customer-override-reason"
OVERRIDE_SAVE = "customer-override-save"
OVERRIDE_RESULT = "customer-override-result"

RULE_TEXT = {
    "consensus": "most sources agree",
    "source_priority": "most trusted source",
    "most_recent": "most recently updated",
    "most_frequent": "most records agree",
    "steward_override": "set by a data steward",
}
FIELD_LABELS = (
    ("name", "Name"), ("contact_name", "Contact"), ("email", "E-mail"), ("phone", "Phone"),
    ("street", "Street"), ("city", "Town"), ("postcode", "Postcode"), ("region", "Region"),
    ("website", "Website"), ("instagram_handle", "Instagram"), ("segment", "Segment"), ("sales_rep", "Sales rep"),
)  # fmt: skip
SOURCE_NAMES = {
    "quickbooks": "QuickBooks", "sales_leads": "Sales leads sheet", "sales_activities": "Sales activities sheet",
    "directory": "Directory listing", "instagram": "Instagram", "steward": "Data steward",
}  # fmt: skip


def _clear(value: Any) -> str | None:
    """A value usable in a link: present and not masked."""
    text = str(value or "").strip()
    return text if text and MASK not in text else None


def tel_href(phone: str) -> str:
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


def maps_href(customer: Mapping[str, Any]) -> str | None:
    parts = [_clear(customer.get(f)) for f in ("street", "city", "postcode")]
    place = ", ".join(p for p in parts if p)
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(place)}" if place else None


def contact_bar(customer: Mapping[str, Any], score: Mapping[str, Any] | None) -> dbc.Card:
    """What a rep needs first on a phone: the next action, then one tap to call, write or find the way."""
    action = (score or {}).get("next_best_action")
    headline = (
        html.Div(
            [html.Span("Next action ", className="text-muted small"), html.Strong(action_label(action))],
            className="mb-2",
        )
        if action
        else html.Div("No action recommended now.", className="text-muted mb-2")
    )
    phone, email, maps = _clear(customer.get("phone")), _clear(customer.get("email")), maps_href(customer)
    links = []
    if phone:
        links.append(
            dbc.Button(
                f"Call {phone}",
                href=tel_href(phone),
                id=CALL_LINK,
                color="primary",
                size="sm",
                external_link=True,
            )
        )
    if email:
        links.append(
            dbc.Button(
                "E-mail",
                href=f"mailto:{email}",
                id=EMAIL_LINK,
                color="primary",
                outline=True,
                size="sm",
                external_link=True,
            )
        )
    if maps:
        links.append(
            dbc.Button(
                "Directions",
                href=maps,
                id=MAPS_LINK,
                color="secondary",
                outline=True,
                size="sm",
                external_link=True,
                target="_blank",
            )
        )
    if not links:
        links.append(html.Span("No contact details you may use.", className="text-muted small"))
    return dbc.Card(
        dbc.CardBody([headline, html.Div(links, className="c360-links")]), id=CONTACT_BAR, className="mb-3"
    )


def last_orders(items: Sequence[Item], shown: int = 5) -> html.Div:
    """The latest orders and invoices as a compact list."""
    docs = [i for i in items if i.kind in {"order", "invoice"}][:shown]
    if not docs:
        return html.Div(html.P("No orders yet.", className="text-muted mb-0"), id=LAST_ORDERS)
    return html.Div(
        html.Ul(
            [
                html.Li(
                    [
                        html.Span(i.title, className="fw-semibold"),
                        html.Span(i.occurred_at.strftime("%d %b %Y"), className="text-muted small ms-2"),
                        html.Span(fmt.money(i.amount or 0), className="ms-auto"),
                    ],
                    className="list-group-item d-flex c360-row",
                )
                for i in docs
            ],
            className="list-group list-group-flush",
        ),
        id=LAST_ORDERS,
    )


def live_activity_block(activity: Mapping[str, Any] | None) -> html.Div:
    """The event stream's running counters for this customer, and its latest event."""
    if not activity:
        return html.Div(
            html.P("No events streamed for this customer yet.", className="text-muted mb-0"), id=LIVE_ACTIVITY
        )
    facts = [
        ("Orders", fmt.count(activity["orders"])), ("Revenue", fmt.money(float(activity["revenue"] or 0))),
        ("Payments", fmt.count(activity["payments"])), ("Paid", fmt.money(float(activity["paid"] or 0))),
        ("Visits", fmt.count(activity["visits"])), ("Campaign clicks", fmt.count(activity["clicks"])),
        ("Mentions", fmt.count(activity["mentions"])), ("Support contacts", fmt.count(activity["support_contacts"])),
    ]  # fmt: skip
    last = activity.get("last_event_at")
    when = _when(last) if isinstance(last, dt.datetime) else str(last or "")
    return html.Div(
        [
            html.Dl(
                [part for label, value in facts for part in (html.Dt(label), html.Dd(value))],
                className="c360-golden c360-activity mb-2",
            ),
            html.Div(
                f"Last event: {str(activity['last_event_type']).replace('_', ' ')} · {when}",
                className="small text-muted",
            ),
        ],
        id=LIVE_ACTIVITY,
    )


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%d %b %Y") if moment.time() == dt.time(0) else moment.strftime("%d %b %Y %H:%M")


def timeline_list(items: Sequence[Item]) -> html.Ul:
    """Timeline items, newest first: icon, what, when, the text, amount and sentiment."""
    if not items:
        return html.Ul(
            [html.Li("Nothing recorded for these kinds.", className="list-group-item text-muted")],
            className="list-group",
        )
    rows = []
    for i in items:
        badges = []
        if i.live:
            badges.append(dbc.Badge("live", color="info", className="ms-1"))
        if i.sentiment is not None:
            label = sentiment_label(i.sentiment)
            color = {"positive": "success", "negative": "danger"}.get(label, "secondary")
            badges.append(
                dbc.Badge(f"{label} {i.sentiment:+.2f}", color=color, className="ms-1 c360-sentiment")
            )
        head = [
            html.Span(i.title, className="fw-semibold text-nowrap"),
            *badges,
            html.Span(_when(i.occurred_at), className="text-muted small ms-auto ps-2 text-nowrap"),
        ]
        body = [html.Div(head, className="d-flex flex-wrap align-items-baseline")]
        detail = " · ".join(
            p for p in (i.text, fmt.money(i.amount) if i.amount is not None else "", i.channel or "") if p
        )
        if detail:
            body.append(html.Div(detail, className="small c360-text"))
        rows.append(html.Li(body, className=f"list-group-item c360-timeline-item c360-kind-{i.kind}"))
    return html.Ul(rows, className="list-group list-group-flush")


def timeline_controls(kinds: Sequence[str], more: bool = True) -> html.Div:
    """The kind filter and the newer / older page buttons."""
    return html.Div(
        [
            dcc.Dropdown(
                id=TIMELINE_KINDS,
                options=[{"label": KINDS[k], "value": k} for k in KINDS],
                value=list(kinds),
                multi=True,
                placeholder="All kinds",
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Button(
                        "Newer", id=TIMELINE_NEWER, size="sm", outline=True, color="secondary", disabled=True
                    ),
                    html.Span("", id=TIMELINE_PAGE, className="small text-muted mx-2"),
                    dbc.Button(
                        "Older",
                        id=TIMELINE_OLDER,
                        size="sm",
                        outline=True,
                        color="secondary",
                        disabled=not more,
                    ),
                ],
                className="d-flex align-items-center justify-content-end mt-2",
            ),
        ]
    )


def purchases_block(lines: Sequence[Mapping[str, Any]], categories: Sequence[Mapping[str, Any]]) -> html.Div:
    """Revenue per category (with a bar for scale), then the latest lines with product and category."""
    if not lines:
        return html.Div(html.P("No purchases yet.", className="text-muted mb-0"), id=PURCHASES)
    top = max(float(c["revenue"] or 0) for c in categories) or 1.0
    cats = [
        html.Li(
            [
                html.Div(
                    [html.Span(c["category"], className="fw-semibold"),
                     html.Span(f"{fmt.money(float(c['revenue'] or 0))} · {int(c['orders'])} order(s)", className="ms-auto small")],
                    className="d-flex",
                ),
                html.Div(className="c360-bar", style={"width": f"{max(2, round(100 * float(c['revenue'] or 0) / top))}%"}),
            ],
            className="list-group-item c360-category",
        )
        for c in categories
    ]  # fmt: skip
    recent = [
        html.Li(
            [
                html.Div(
                    [html.Span(str(ln["product"])), html.Span(fmt.money(float(ln["amount"] or 0)), className="ms-auto ps-2")],
                    className="d-flex",
                ),
                html.Div(
                    f"{ln['category']} · {_qty(ln['quantity'])} · {ln['doc_type'].replace('_', ' ')} {ln['doc_key']} · "
                    f"{ln['day']:%d %b %Y}",
                    className="small text-muted",
                ),
            ],
            className="list-group-item c360-purchase",
        )
        for ln in lines[:15]
    ]  # fmt: skip
    return html.Div(
        [
            html.H6("By category", className="mt-1"),
            html.Ul(cats, className="list-group list-group-flush mb-3"),
            html.H6("Latest lines"),
            html.Ul(recent, className="list-group list-group-flush"),
        ],
        id=PURCHASES,
    )


def _qty(quantity: Any) -> str:
    q = float(quantity or 0)
    return f"{int(q)} ×" if q.is_integer() else f"{q:g} ×"


@functools.cache
def _default_template() -> dict[str, Any]:
    """Plotly's default template as a figure carries it (this chart sets no template of its own)."""
    return dict(pio.templates[pio.templates.default].to_plotly_json())


def relationship_figure(name: str, related: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A small network: this customer in the middle, related customers around it, edges by kind."""
    others: dict[int, Mapping[str, Any]] = {}
    for r in related:
        others.setdefault(int(r["other_key"]), r)
    n = max(len(others), 1)
    angle = {k: math.pi / 2 + 2 * math.pi * i / n for i, k in enumerate(others)}  # the first straight above
    pos = {k: (math.cos(a), math.sin(a)) for k, a in angle.items()}
    traces: list[dict[str, Any]] = []
    for r in related:
        x, y = pos[int(r["other_key"])]
        traces.append(
            {"type": "scatter", "x": [0, x], "y": [0, y], "mode": "lines", "hoverinfo": "skip", "showlegend": False,
             "line": {"width": 1 + 3 * float(r["strength"]), "color": "#8aa4c8"}}
        )  # fmt: skip
    traces.append(
        {
            "type": "scatter",
            "x": [pos[k][0] for k in others] + [0],
            "y": [pos[k][1] for k in others] + [0],
            "mode": "markers+text",
            "text": [str(others[k]["name"])[:22] for k in others] + [name[:22]],
            "textposition": ["top center" if pos[k][1] >= 0 else "bottom center" for k in others] + ["bottom center"],
            "customdata": [f"/customer/{k}" for k in others] + [""],
            "hovertext": [
                f"{others[k]['name']}: {RELATIONSHIP_LABELS.get(str(others[k]['kind']), others[k]['kind'])}" for k in others
            ] + [name],
            "hoverinfo": "text",
            "marker": {"size": [14] * len(others) + [22], "color": ["#5b8def"] * len(others) + ["#1f3b73"]},
            "showlegend": False,
        }
    )  # fmt: skip
    layout = {
        "template": _default_template(), "height": 260, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"visible": False, "range": [-1.6, 1.6]}, "yaxis": {"visible": False, "range": [-1.5, 1.4]},
        "plot_bgcolor": "white", "paper_bgcolor": "white",
    }  # fmt: skip
    return {"data": traces, "layout": layout}


def relationships_block(name: str, related: Sequence[Mapping[str, Any]]) -> html.Div:
    """The network chart and, under it, a link to each related profile with the reason."""
    if not related:
        return html.Div(html.P("No related customers found.", className="text-muted mb-0"), id=RELATIONSHIPS)
    links = [
        html.Li(
            [
                dcc.Link(str(r["name"]), href=f"/customer/{r['other_key']}", className="fw-semibold"),
                html.Span(
                    f" · {RELATIONSHIP_LABELS.get(str(r['kind']), str(r['kind']))} ({r['evidence']})"
                    + (" · referral opportunity" if r["kind"] == "referral" else ""),
                    className="small text-muted",
                ),
            ],
            className="list-group-item c360-row",
        )
        for r in related
    ]
    return html.Div(
        [
            dcc.Graph(
                id=RELATIONSHIP_GRAPH,
                figure=relationship_figure(name, related),
                config={"displayModeBar": False, "responsive": True},
                className="c360-network",
            ),
            html.Ul(links, className="list-group list-group-flush"),
        ],
        id=RELATIONSHIPS,
    )


def golden_record_list(customer: Mapping[str, Any], provenance: Mapping[str, Mapping[str, Any]]) -> html.Dl:
    """Each golden value with, in small print, the record it came from and why it was chosen."""
    rows: list[Any] = []
    for field, label in FIELD_LABELS:
        won = provenance.get(field)
        value = customer.get(field) if field in customer else (won or {}).get("value")
        if value in (None, "") and won is None:
            continue
        why = ""
        if won:
            source = SOURCE_NAMES.get(str(won["source"]), str(won["source"]))
            rule = RULE_TEXT.get(str(won["rule"]), str(won["rule"]))
            why = f"{source} {won['source_key']} · {rule} ({won['candidates']} offered)"
        rows += [
            html.Dt(label, className="c360-field"),
            html.Dd(
                [html.Span(str(value or "—")), html.Div(why, className="small text-muted")],
                className="c360-value",
            ),
        ]
    return html.Dl(rows, id=GOLDEN_RECORD, className="c360-golden mb-0")


def source_records_list(
    records: Sequence[Mapping[str, Any]], reasons: Mapping[tuple[str, str], str]
) -> html.Ul:
    """The source records behind the customer, each with why it joined in words."""
    items = []
    for r in records:
        name = r.get("company_name") or r.get("display_name") or ""
        contact = " · ".join(str(v) for v in (r.get("email"), r.get("phone")) if v)
        items.append(
            html.Li(
                [
                    html.Div(
                        [html.Span(SOURCE_NAMES.get(str(r["source"]), str(r["source"])), className="fw-semibold"),
                         html.Span(f" {r.get('entity') or ''} {r['source_key']}", className="text-muted small")],
                    ),
                    html.Div(name, className="c360-text"),
                    html.Div(contact, className="small c360-text") if contact else None,
                    html.Div(f"Joined: {reasons.get((str(r['source']), str(r['source_key'])), '')}", className="small c360-reason"),
                ],
                className="list-group-item",
            )
        )  # fmt: skip
    return html.Ul(items, id=SOURCE_RECORDS, className="list-group list-group-flush")
