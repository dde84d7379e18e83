"""Shared pieces of the security tests: a settable clock, an app on its own warehouse, cookie copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app import create_app
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings
from warehouse.engine import Warehouse

START = dt.datetime(2026, 12, 5, 9, 0, 0)
SESSION_COOKIE = "c360_session"


class Clock:
    """A clock the test moves by hand (naive UTC, as the portal keeps time)."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def security_app(tmp_path: Path, clock: Clock, warehouse: Warehouse | None = None, **overrides: Any) -> Any:
    """The portal on its own fixture warehouse (failed sign-ins must not leak into other tests)."""
    warehouse = warehouse or build_portal_warehouse(tmp_path / "warehouse.db")
    settings = portal_settings(tmp_path)
    for name, value in overrides.items():
        setattr(settings, name, value)
    return create_app(settings, warehouse, clock=clock)


def form_token(client: FlaskClient) -> str:
    """The CSRF token a form on the current page would post."""
    client.get("/login" if client.get_cookie("_csrf_token") is None else "/_dash-layout")
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    return cookie.value


def copy_session(source: FlaskClient, target: FlaskClient) -> None:
    """Give ``target`` the session cookie of ``source`` (what a stolen or kept cookie would do)."""
    cookie = source.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    target.set_cookie(SESSION_COOKIE, cookie.value)


def follow_token(client: FlaskClient) -> None:
    """Send the current CSRF cookie as the header from now on, as Dash's renderer reads it per request."""
    cookie = client.get_cookie("_csrf_token")
    if cookie is not None:
        client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
