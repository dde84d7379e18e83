"""Pieces of the account and administration pages: flash messages, the password form, MFA status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.login_form import csrf_input, enrol_fields

ACCOUNT_PASSWORD_FORM = "account-password-form"  # a component id  # nosec B105
ACCOUNT_MFA = "account-mfa"
ACCOUNT_MESSAGES = "account-messages"


def flash_alerts(messages: Sequence[tuple[str, str]], component_id: str) -> html.Div:
    """Flashed ``(category, text)`` messages as alerts: categories ending in ``error`` are red."""
    return html.Div(
        [
            dbc.Alert(text, color="danger" if category.endswith("error") else "success", className="py-2")
            for category, text in messages
        ],
        id=component_id,
    )


def _password_field(label: str, name: str, autocomplete: str) -> list[Any]:
    field_id = f"account-{name.replace('_', '-')}"
    return [
        dbc.Label(label, html_for=field_id),
        dbc.Input(
            id=field_id,
            name=name,
            type="password",
            autocomplete=autocomplete,
            required=True,
            className="mb-3",
        ),
    ]


def password_form(csrf_token: str) -> dbc.Card:
    """Change one's own password: the current one, then the new one twice."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Password", className="h5"),
                html.P(
                    "At least 12 characters and not a common password. Your other sessions are signed out.",
                    className="text-muted small",
                ),
                html.Form(
                    [
                        csrf_input(csrf_token),
                        *_password_field("Current password", "current_password", "current-password"),
                        *_password_field("New password", "new_password", "new-password"),
                        *_password_field("New password again", "confirm_password", "new-password"),
                        dbc.Button("Change password", type="submit", color="primary"),
                    ],
                    id=ACCOUNT_PASSWORD_FORM,
                    method="POST",
                    action="/account/password",
                ),
            ]
        ),
        className="mb-3",
    )


def mfa_card(
    enrolled: bool, recovery_left: int, required: bool, pending: tuple[str, str] | None, csrf_token: str
) -> dbc.Card:
    """Two-step sign-in: on (with recovery codes left), being set up (QR code), or off (a button)."""
    if enrolled:
        body: list[object] = [
            dbc.Badge("On", color="success", className="mb-2"),
            html.P(
                f"{recovery_left} recovery code(s) left. An administrator can reset it if you lose your phone."
            ),
        ]
    elif pending is not None:
        qr_uri, secret = pending
        body = [enrol_fields(qr_uri, secret, csrf_token, action="/mfa/enrol")]
    else:
        body = [
            html.P(
                "Required for your role: you will set it up at your next sign-in."
                if required
                else "Ask for a code from your phone as well as your password when you sign in.",
                className="small",
            ),
            html.Form(
                [
                    csrf_input(csrf_token),
                    dbc.Button("Set up two-step sign-in", type="submit", color="primary"),
                ],
                method="POST",
                action="/account/mfa",
            ),
        ]
    return dbc.Card(
        dbc.CardBody([html.H2("Two-step sign-in", className="h5"), *body]), id=ACCOUNT_MFA, className="mb-3"
    )
