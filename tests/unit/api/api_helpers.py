"""Shared helpers for API tests: a settable clock, an app on a fixture warehouse, and signing in for tokens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from dash import Dash

from app import create_app
from settings import Settings
from tests.unit.portal.portal_data import PASSWORD
from warehouse.engine import Warehouse

START = dt.datetime(2025, 3, 12, 9, 0)


class Clock:
    """Naive-UTC time that a test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def api_settings(var_dir: Path, **overrides: Any) -> Settings:
    """Settings that read nothing from the environment; no role must enrol a second factor; webhooks may call
    receivers on 127.0.0.1."""
    values: dict[str, Any] = {
        "_env_file": None,
        "var_dir": var_dir,
        "secret_key": "test-secret",
        "mfa_required_roles": frozenset(),
        "portal_today": dt.date(2025, 3, 12),
        "webhook_allowed_hosts": "127.0.0.1",  # the test receivers listen on loopback
    }
    return Settings(**(values | overrides))


def api_app(warehouse: Warehouse, var_dir: Path, clock: Clock, **overrides: Any) -> Dash:
    return create_app(api_settings(var_dir, **overrides), warehouse, clock, live=False)


def sign_in(client: Any, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """The token answer for ``username`` (fails the test when signing in fails)."""
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    tokens: dict[str, Any] = answer.json
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
