"""Sign-in page (``/login``): the forms post to Flask views; signed-in users never see it.

Anonymous visitors get the sign-in step they are at from the app shell directly (no Dash callback
runs before sign-in); registering it here gives ``/login`` its title and a place in the page registry.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from components.login_form import login_form

TITLE = "Sign in · Miracle Customer 360"
dash.register_page(__name__, path="/login", title=TITLE, name="Sign in", nav=False)  # type: ignore[no-untyped-call]


def layout(error: str | None = None, **_kwargs: Any) -> html.Div:
    return login_form(error)
