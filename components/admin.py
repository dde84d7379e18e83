"""Pieces of the administrators' pages: the users table with its action forms, and the security events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.login_form import csrf_input
from warehouse.users import ROLE_LABELS, UserRow

USERS_TABLE = "admin-users-table"
USERS_CREATE_FORM = "admin-users-create"
USERS_MESSAGES = "admin-users-messages"
EVENTS_TABLE = "admin-security-events"
EVENTS_FILTER = "admin-security-filter"
ROLE_OPTIONS = [{"label": label, "value": role} for role, label in ROLE_LABELS.items()]


def _post(
    action: str, label: str, token: str, color: str = "secondary", extra: Sequence[Any] = ()
) -> html.Form:
    return html.Form(
        [csrf_input(token), *extra, dbc.Button(label, type="submit", color=color, size="sm", outline=True)],
        method="POST",
        action=action,
        className="d-inline-flex gap-1 me-1 mb-1",
    )


def create_user_form(token: str) -> dbc.Card:
    """Create a user with a role and a first password."""

    def field(label: str, name: str, kind: str = "text", required: bool = True) -> dbc.Col:
        return dbc.Col(
            [
                dbc.Label(label, html_for=f"admin-new-{name}"),
                dbc.Input(id=f"admin-new-{name}", name=name, type=kind, required=required),
            ],
            md=2,
        )

    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("New user", className="h5"),
                html.Form(
                    [
                        csrf_input(token),
                        dbc.Row(
                            [
                                field("Username", "username"),
                                field("Full name", "full_name"),
                                field("E-mail", "email", "email", required=False),
                                dbc.Col(
                                    [
                                        dbc.Label("Role", html_for="admin-new-role"),
                                        dbc.Select(
                                            id="admin-new-role",
                                            name="role",
                                            options=ROLE_OPTIONS,
                                            value="sales_rep",
                                        ),
                                    ],
                                    md=2,
                                ),
                                field("Rep number", "rep_key", "number", required=False),
                                field("First password", "password", "password"),
                            ],
                            className="g-2 mb-2",
                        ),
                        dbc.Button("Create user", type="submit", color="primary"),
                    ],
                    id=USERS_CREATE_FORM,
                    method="POST",
                    action="/admin/users",
                ),
            ]
        ),
        className="mb-3",
    )


def users_table(
    rows: Sequence[UserRow], mfa_users: set[int], sessions: dict[int, int], token: str
) -> dbc.Table:
    """Every user with their role, second factor and sessions, and the actions on them."""
    header = html.Thead(
        html.Tr([html.Th(h) for h in ("User", "Role", "Two-step", "Sessions", "Status", "Actions")])
    )
    body = []
    for row in rows:
        user = row.user
        base = f"/admin/users/{user.user_id}"
        role_form = _post(
            f"{base}/role",
            "Change role",
            token,
            extra=[
                dbc.Select(name="role", options=ROLE_OPTIONS, value=user.role, size="sm"),
                dbc.Input(
                    name="rep_key",
                    type="number",
                    value=user.rep_key,
                    placeholder="rep",
                    size="sm",
                    style={"width": "5rem"},
                ),
            ],
        )
        actions = [
            role_form,
            _post(f"{base}/mfa-reset", "Reset two-step", token, "warning"),
            _post(f"{base}/sign-out", "Sign out everywhere", token, "warning"),
            _post(f"{base}/deactivate", "Deactivate", token, "danger")
            if row.active
            else _post(f"{base}/reactivate", "Reactivate", token, "success"),
        ]
        body.append(
            html.Tr(
                [
                    html.Td(
                        [html.Strong(user.username), html.Div(user.full_name, className="small text-muted")]
                    ),
                    html.Td(user.role_label),
                    html.Td("on" if user.user_id in mfa_users else "off"),
                    html.Td(str(sessions.get(user.user_id, 0))),
                    html.Td("active" if row.active else "deactivated"),
                    html.Td(actions),
                ],
                id=f"admin-user-{user.username}",
            )
        )
    return dbc.Table([header, html.Tbody(body)], id=USERS_TABLE, size="sm", hover=True, responsive=True)


def events_filter(kinds: Sequence[str], kind: str, username: str, address: str) -> html.Form:
    """Filter the events by kind, user and address (a GET form: the filters are in the URL)."""
    options = [{"label": "All kinds", "value": ""}] + [
        {"label": k.replace("_", " "), "value": k} for k in kinds
    ]
    return html.Form(
        dbc.Row(
            [
                dbc.Col(dbc.Select(name="kind", options=options, value=kind), md=3),
                dbc.Col(dbc.Input(name="user", value=username, placeholder="User"), md=3),
                dbc.Col(dbc.Input(name="address", value=address, placeholder="Address"), md=3),
                dbc.Col(dbc.Button("Filter", type="submit", color="primary"), md=2),
            ],
            className="g-2 mb-3",
        ),
        id=EVENTS_FILTER,
        method="GET",
        action="/admin/security",
    )


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, dt.datetime) else str(value)


def events_table(events: Sequence[dict[str, Any]]) -> html.Div | html.P:
    """The events, newest first."""
    if not events:
        return html.P("No security events match.", id=EVENTS_TABLE, className="text-muted")
    header = html.Thead(html.Tr([html.Th(h) for h in ("Time (UTC)", "Kind", "User", "Address", "Detail")]))
    rows = [
        html.Tr(
            [
                html.Td(_when(e["at"])),
                html.Td(str(e["kind"]).replace("_", " ")),
                html.Td(e["username"] or ""),
                html.Td(e["address"] or ""),
                html.Td(e["detail"] or ""),
            ]
        )
        for e in events
    ]
    return html.Div(
        dbc.Table([header, html.Tbody(rows)], size="sm", striped=True, responsive=True), id=EVENTS_TABLE
    )
