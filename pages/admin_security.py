"""Security events (``/admin/security``, administrators only): failed sign-ins, lockouts, bursts, new
addresses, bulk exports and more, newest first, filtered by kind, user and address."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from auth import auth_context
from components.access import current_portal_user, may_open
from components.admin import events_filter, events_table
from warehouse import security_events

TITLE = "Security events · Miracle Customer 360"
PATH = "/admin/security"
NOT_ALLOWED = "Only administrators see security events."
LIMIT = 500
dash.register_page(__name__, path=PATH, title=TITLE, name="Security", nav=False)  # type: ignore[no-untyped-call]


def layout(kind: str = "", user: str = "", address: str = "", **_kwargs: Any) -> dbc.Container:
    title = html.H1("Security events", className="page-title")
    me = current_portal_user()
    if me is None or not may_open(me.role, PATH):
        return dbc.Container([title, dbc.Alert(NOT_ALLOWED, color="secondary")], fluid=True)
    kind = kind if kind in security_events.KINDS else ""
    events = security_events.list_events(
        auth_context().warehouse,
        [kind] if kind else [],
        user.strip() or None,
        address.strip() or None,
        limit=LIMIT,
    )
    return dbc.Container(
        [
            title,
            html.P(
                f"The newest {LIMIT} matching events; alerts also go to the security log.",
                className="text-muted",
            ),
            events_filter(security_events.KINDS, kind, user, address),
            events_table(events),
        ],
        fluid=True,
    )
