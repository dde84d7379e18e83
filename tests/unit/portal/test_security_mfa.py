"""Two-step sign-in: enrolling (QR code, recovery codes), signing in with a code or a recovery code, and
the roles that must enrol."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from dash import Dash
from flask.testing import FlaskClient

from components.login_form import ENROL_SECRET
from tests.unit.portal.portal_data import sign_in
from tests.unit.portal.security_helpers import Clock, follow_token, security_app
from tests.unit.portal.test_security_lockout import events, page, warehouse_of
from warehouse.schema import app_recovery_code, app_user_mfa


@pytest.fixture
def clock() -> Clock:
    return Clock()


def find(tree: Any, component_id: str) -> Any:
    """The props of the component with ``component_id`` in a serialised Dash tree."""
    if isinstance(tree, list):
        return next((f for f in (find(t, component_id) for t in tree) if f is not None), None)
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == component_id:
            return props
        for value in props.values():
            found = find(value, component_id)
            if found is not None:
                return found
        for value in tree.values():
            if isinstance(value, (dict, list)) and value is not props:
                found = find(value, component_id)
                if found is not None:
                    return found
    return None


def secret_on(text: str) -> str:
    props = find(json.loads(text), ENROL_SECRET)
    assert props is not None, "no enrolment key on the page"
    return str(props["children"]).replace(" ", "")


def code(secret: str, clock: Clock) -> str:
    return pyotp.TOTP(secret).at(clock.now.replace(tzinfo=dt.UTC))


def recovery_codes(response: Any) -> list[str]:
    return re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>", response.data.decode())


def enrol_from_account(app: Dash, clock: Clock, username: str) -> tuple[str, list[str]]:
    client = app.server.test_client()
    assert sign_in(client, username).headers["Location"] == "/"
    assert client.post("/account/mfa").status_code == 303
    account = page(client, "/account")
    assert "data:image/svg+xml;base64," in account  # the QR code is drawn by the portal itself
    secret = secret_on(account)
    assert enrol(client, "000000" if code(secret, clock) != "000000" else "111111").status_code == 303
    response = enrol(client, code(secret, clock))
    assert response.status_code == 200
    codes = recovery_codes(response)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "two-step sign-in is on" in response.data.decode().lower()
    return secret, codes


def second_step(client: FlaskClient, typed: str) -> Any:
    response = client.post("/login/mfa", data={"code": typed})
    follow_token(client)
    return response


def enrol(client: FlaskClient, typed: str) -> Any:
    response = client.post("/mfa/enrol", data={"code": typed})
    follow_token(client)
    return response


def test_enrolling_then_signing_in_asks_for_the_code(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock)
    secret, _codes = enrol_from_account(app, clock, "analyst")
    warehouse = warehouse_of(app)
    stored = warehouse.scalar(sa.select(app_user_mfa.c.secret))
    assert secret not in stored  # encrypted with a key derived from the portal's secret key

    client = app.server.test_client()
    assert sign_in(client, "analyst").headers["Location"] == "/login"
    assert client.get("/").status_code == 303  # the password alone does not sign in
    assert b"login-mfa-form" in client.get("/_dash-layout").data
    clock.advance(seconds=30)
    typed = code(secret, clock)
    assert second_step(client, typed).headers["Location"] == "/"
    assert client.get("/").status_code == 200

    replay = app.server.test_client()  # the same code, seen over a shoulder, a second later
    assert sign_in(replay, "analyst").headers["Location"] == "/login"
    assert second_step(replay, typed).headers["Location"] == "/login"
    assert replay.get("/").status_code == 303
    assert "That code is not right." in replay.get("/_dash-layout").data.decode()


def test_a_recovery_code_works_once(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock)
    _secret, codes = enrol_from_account(app, clock, "marketing")
    first = app.server.test_client()
    assert sign_in(first, "marketing").headers["Location"] == "/login"
    assert second_step(first, codes[3].upper().replace("-", " ")).headers["Location"] == "/"
    again = app.server.test_client()
    assert sign_in(again, "marketing").headers["Location"] == "/login"
    assert second_step(again, codes[3]).headers["Location"] == "/login"
    assert again.get("/").status_code == 303
    warehouse = warehouse_of(app)
    assert warehouse.scalar(sa.select(sa.func.count()).where(app_recovery_code.c.used_at.is_not(None))) == 1
    assert "9 recovery code(s) left" in page(first, "/account")


def test_wrong_codes_count_towards_the_lockout(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock, lockout_failures=3, login_free_failures=5)
    secret, _codes = enrol_from_account(app, clock, "analyst")
    client = app.server.test_client()
    assert sign_in(client, "analyst").headers["Location"] == "/login"
    clock.advance(seconds=1)
    for guess in ("123456", "654321", "111111"):
        if guess != code(secret, clock):
            second_step(client, guess)
    assert [e["username"] for e in events(warehouse_of(app), "lockout")] == ["analyst"]
    assert second_step(client, code(secret, clock)).headers["Location"] == "/login"  # locked now
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("role", ["admin", "manager", "data_steward"])
def test_roles_that_need_a_second_factor_enrol_at_sign_in(tmp_path: Path, clock: Clock, role: str) -> None:
    app = security_app(tmp_path, clock, mfa_required_roles=frozenset({"admin", "manager", "data_steward"}))
    client = app.server.test_client()
    assert sign_in(client, role).headers["Location"] == "/login"
    assert client.get("/").status_code == 303  # nothing before enrolling
    layout = json.dumps(client.get("/_dash-layout").json)
    assert "mfa-enrol-form" in layout and "data:image/svg+xml;base64," in layout
    secret = secret_on(layout)
    response = enrol(client, code(secret, clock))
    assert response.status_code == 200 and len(recovery_codes(response)) == 10
    assert client.get("/").status_code == 200
    again = app.server.test_client()  # next time: password, then code
    assert sign_in(again, role).headers["Location"] == "/login"
    clock.advance(seconds=30)
    assert second_step(again, code(secret, clock)).headers["Location"] == "/"


def test_roles_without_the_requirement_sign_in_with_the_password(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock, mfa_required_roles=frozenset({"admin", "manager", "data_steward"}))
    client = app.server.test_client()
    assert sign_in(client, "analyst").headers["Location"] == "/"


def test_an_administrator_resets_a_lost_second_factor(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock)
    enrol_from_account(app, clock, "analyst")
    admin = app.server.test_client()
    assert sign_in(admin, "admin").headers["Location"] == "/"
    user_id = warehouse_of(app).scalar(sa.select(app_user_mfa.c.user_id))
    assert admin.post(f"/admin/users/{user_id}/mfa-reset").status_code == 303
    assert "reset" in page(admin, "/admin/users")
    assert sign_in(app.server.test_client(), "analyst").headers["Location"] == "/"  # password only again
    assert [e["username"] for e in events(warehouse_of(app), "mfa_reset")] == ["analyst"]
