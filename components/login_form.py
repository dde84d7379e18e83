"""The sign-in form: a plain HTML form posted to ``/login``, so signing in needs no Dash callback."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.shell import BRAND


def login_form(error: str | None = None) -> html.Div:
    """A centred card with username and password; ``error`` is shown above the fields."""
    return html.Div(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H1(BRAND, className="h4 mb-1"),
                    html.P("Sign in to continue", className="text-muted mb-4"),
                    dbc.Alert(error, id=ids.LOGIN_ERROR, color="danger", className="py-2") if error else None,
                    html.Form(
                        [
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
                                "Sign in",
                                id=ids.LOGIN_SUBMIT,
                                type="submit",
                                color="primary",
                                className="w-100",
                            ),
                        ],
                        id=ids.LOGIN_FORM,
                        method="POST",
                        action="/login",
                    ),
                ]
            ),
            className="login-card shadow-sm",
        ),
        className="login-page",
    )
