"""The sign-in forms: password, then (for users with a second factor) a code, or enrolling one.

Plain HTML forms posted to Flask views, so signing in needs no Dash callback; each carries the
session's CSRF token in a hidden field.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.shell import BRAND

CSRF_FIELD = "csrf_token"
MFA_FORM = "login-mfa-form"
MFA_CODE = "login-mfa-code"
MFA_SUBMIT = "login-mfa-submit"
ENROL_FORM = "mfa-enrol-form"
ENROL_QR = "mfa-enrol-qr"
ENROL_SECRET = "mfa-enrol-secret"  # a component id  # nosec B105
ENROL_CODE = "mfa-enrol-code"
ENROL_SUBMIT = "mfa-enrol-submit"


def csrf_input(token: str) -> html.Div:
    """The hidden CSRF field every form posts (Dash has no ``input type=hidden`` in dbc; a plain one)."""
    return html.Div(dbc.Input(name=CSRF_FIELD, type="hidden", value=token), hidden=True)


def _card(subtitle: str, error: str | None, body: list[object]) -> html.Div:
    return html.Div(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H1(BRAND, className="h4 mb-1"),
                    html.P(subtitle, className="text-muted mb-4"),
                    dbc.Alert(error, id=ids.LOGIN_ERROR, color="danger", className="py-2") if error else None,
                    *body,
                ]
            ),
            className="login-card shadow-sm",
        ),
        className="login-page",
    )


def _code_input(component_id: str) -> dbc.Input:
    return dbc.Input(
        id=component_id,
        name="code",
        type="text",
        inputMode="numeric",
        autocomplete="one-time-code",
        autofocus=True,
        required=True,
        maxLength=20,
        className="mb-4",
    )


def login_form(error: str | None = None, csrf_token: str = "") -> html.Div:  # a CSRF token  # nosec B107
    """A centred card with username and password; ``error`` is shown above the fields."""
    return _card(
        "Sign in to continue",
        error,
        [
            html.Form(
                [
                    csrf_input(csrf_token),
                    dbc.Label("Username", html_for=ids.LOGIN_USERNAME),
                    dbc.Input(
                        id=ids.LOGIN_USERNAME,
                        name="username",
                        type="text",
                        autocomplete="username",
                        autofocus=True,
                        required=True,
                        className="mb-3",
                    ),
                    dbc.Label("Password", html_for=ids.LOGIN_PASSWORD),
                    dbc.Input(
                        id=ids.LOGIN_PASSWORD,
                        name="password",
                        type="password",
                        autocomplete="current-password",
                        required=True,
                        className="mb-4",
                    ),
                    dbc.Button(
                        "Sign in", id=ids.LOGIN_SUBMIT, type="submit", color="primary", className="w-100"
                    ),
                ],
                id=ids.LOGIN_FORM,
                method="POST",
                action="/login",
            )
        ],
    )


def mfa_form(error: str | None, csrf_token: str) -> html.Div:
    """The second step: the 6-digit code of the authenticator app, or a recovery code."""
    return _card(
        "Enter the code from your authenticator app",
        error,
        [
            html.Form(
                [
                    csrf_input(csrf_token),
                    dbc.Label("Code (or a recovery code)", html_for=MFA_CODE),
                    _code_input(MFA_CODE),
                    dbc.Button("Verify", id=MFA_SUBMIT, type="submit", color="primary", className="w-100"),
                ],
                id=MFA_FORM,
                method="POST",
                action="/login/mfa",
            ),
            html.A("Start again", href="/login", className="d-block mt-3 small"),
        ],
    )


def enrol_form(qr_uri: str, secret: str, error: str | None, csrf_token: str, action: str) -> html.Div:
    """Set up two-step sign-in: scan the QR code (or type the key), then confirm with a first code."""
    return _card(
        "Set up two-step sign-in",
        error,
        [enrol_fields(qr_uri, secret, csrf_token, action)],
    )


def enrol_fields(qr_uri: str, secret: str, csrf_token: str, action: str) -> html.Form:
    """The QR code, the key spelled out, and the field for the first code (also used on the account page)."""
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return html.Form(
        [
            html.P(
                "Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, "
                "1Password...), then type the 6-digit code it shows.",
                className="small",
            ),
            html.Img(
                id=ENROL_QR,
                src=qr_uri,
                alt="QR code of the two-step sign-in key",
                className="d-block mx-auto mb-2",
                width="200",
            ),
            html.P(["Or type the key: ", html.Code(spaced, id=ENROL_SECRET)], className="small text-center"),
            csrf_input(csrf_token),
            dbc.Label("Code", html_for=ENROL_CODE),
            _code_input(ENROL_CODE),
            dbc.Button("Turn on", id=ENROL_SUBMIT, type="submit", color="primary", className="w-100"),
        ],
        id=ENROL_FORM,
        method="POST",
        action=action,
    )
