"""Users (``/admin/users``, administrators only): create users, change roles, reset two-step sign-in,
deactivate or reactivate, and sign a user out everywhere. The forms post to :mod:`auth.accounts`."""

from __future__ import annotations

from typing import Any, cast

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask import get_flashed_messages

from auth import auth_context, csrf
from auth.accounts import ADMIN_ERROR, ADMIN_MESSAGE
from components.access import current_portal_user, may_open
from components.account import flash_alerts
from components.admin import USERS_MESSAGES, create_user_form, users_table
from warehouse import mfa, sessions, users

TITLE = "Users · Miracle Customer 360"
PATH = "/admin/users"
NOT_ALLOWED = "Only administrators manage users."
dash.register_page(__name__, path=PATH, title=TITLE, name="Users", nav=False)  # type: ignore[no-untyped-call]


def layout(**_kwargs: Any) -> dbc.Container:
    title = html.H1("Users", className="page-title")
    user = current_portal_user()
    if user is None or not may_open(user.role, PATH):
        return dbc.Container([title, dbc.Alert(NOT_ALLOWED, color="secondary")], fluid=True)
    context = auth_context()
    messages = get_flashed_messages(with_categories=True, category_filter=[ADMIN_MESSAGE, ADMIN_ERROR])
    token = csrf.token()
    counts = sessions.active_counts(context.warehouse, context.session_policy, context.clock())
    return dbc.Container(
        [
            title,
            flash_alerts(cast(list[tuple[str, str]], messages), USERS_MESSAGES),
            create_user_form(token),
            users_table(
                users.list_users(context.warehouse), mfa.enrolled_users(context.warehouse), counts, token
            ),
        ],
        fluid=True,
    )
