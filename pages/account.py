"""Your account (``/account``): change your password and set up two-step sign-in (TOTP)."""

from __future__ import annotations

from typing import Any, cast

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask import get_flashed_messages

from auth import auth_context, csrf
from auth.accounts import ACCOUNT_ERROR, ACCOUNT_MESSAGE
from components.access import current_portal_user
from components.account import ACCOUNT_MESSAGES, flash_alerts, mfa_card, password_form
from warehouse import mfa

TITLE = "Your account · Miracle Customer 360"
dash.register_page(__name__, path="/account", title=TITLE, name="Account", nav=False)  # type: ignore[no-untyped-call]


def layout(**_kwargs: Any) -> dbc.Container:
    user = current_portal_user()
    title = html.H1("Your account", className="page-title")
    if user is None:
        return dbc.Container([title], fluid=True)
    context = auth_context()
    messages = get_flashed_messages(with_categories=True, category_filter=[ACCOUNT_MESSAGE, ACCOUNT_ERROR])
    enrolled = mfa.is_enrolled(context.warehouse, user.user_id)
    secret = None if enrolled else mfa.pending_secret(context.warehouse, user.user_id, context.cipher)
    pending = None
    if secret is not None:
        uri = mfa.provisioning_uri(secret, user.username, context.settings.mfa_issuer)
        pending = (mfa.qr_data_uri(uri), secret)
    token = csrf.token()
    return dbc.Container(
        [
            title,
            html.P(f"Signed in as {user.username} ({user.role_label}).", className="text-muted"),
            flash_alerts(cast(list[tuple[str, str]], messages), ACCOUNT_MESSAGES),
            dbc.Row(
                [
                    dbc.Col(password_form(token), md=6),
                    dbc.Col(
                        mfa_card(
                            enrolled,
                            mfa.remaining_recovery_codes(context.warehouse, user.user_id) if enrolled else 0,
                            context.mfa_required(user.role),
                            pending,
                            token,
                        ),
                        md=6,
                    ),
                ]
            ),
        ],
        fluid=True,
    )
