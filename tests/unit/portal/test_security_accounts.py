"""Administrators manage users from the portal; every change is in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from dash import Dash
from flask.testing import FlaskClient

from tests.unit.portal.portal_data import sign_in
from tests.unit.portal.security_helpers import Clock, security_app
from tests.unit.portal.test_security_lockout import page, warehouse_of
from warehouse.schema import app_user, ops_audit_log

FIRST_PASSWORD = "quiet river meadow 7"


@pytest.fixture
def app(tmp_path: Path) -> Dash:
    return security_app(tmp_path, Clock())


@pytest.fixture
def admin(app: Dash) -> FlaskClient:
    client = app.server.test_client()
    assert sign_in(client, "admin").headers["Location"] == "/"
    return client


def audit(app: Dash) -> list[tuple[str, str, str]]:
    rows = warehouse_of(app).rows(
        sa.select(ops_audit_log.c.actor, ops_audit_log.c.action, ops_audit_log.c.object)
        .where(ops_audit_log.c.action.not_in(["login", "login_failed", "logout"]))
        .order_by(ops_audit_log.c.id)
    )
    return [(r["actor"], r["action"], r["object"]) for r in rows]


def user_id(app: Dash, username: str) -> int:
    return int(warehouse_of(app).scalar(sa.select(app_user.c.user_id).where(app_user.c.username == username)))


def create(admin: FlaskClient, **fields: str) -> None:
    data = {"username": "dana", "full_name": "Dana Whitfield", "email": "", "role": "analyst", "rep_key": "",
            "password": FIRST_PASSWORD} | fields  # fmt: skip
    assert admin.post("/admin/users", data=data).headers["Location"] == "/admin/users"


def test_an_administrator_creates_a_user_who_can_then_sign_in(app: Dash, admin: FlaskClient) -> None:
    create(admin, password="short")
    assert "at least 12 characters" in page(admin, "/admin/users")
    create(admin)
    shown = page(admin, "/admin/users")
    assert "Created dana (Analyst)." in shown and "Dana Whitfield" in shown
    create(admin)
    assert "There is already a user called dana." in page(admin, "/admin/users")
    dana = app.server.test_client()
    assert sign_in(dana, "dana", FIRST_PASSWORD).headers["Location"] == "/"
    assert ("admin", "user_created", "app_user:dana") in audit(app)


def test_role_changes_apply_at_once_and_are_audited(app: Dash, admin: FlaskClient) -> None:
    create(admin)
    dana = app.server.test_client()
    assert sign_in(dana, "dana", FIRST_PASSWORD).headers["Location"] == "/"
    assert "Only data stewards" in page(dana, "/review")
    target = f"/admin/users/{user_id(app, 'dana')}/role"
    assert admin.post(target, data={"role": "data_steward"}).status_code == 303
    assert "Only data stewards" not in page(dana, "/review")
    assert admin.post(target, data={"role": "sales_rep", "rep_key": "2"}).status_code == 303
    row = warehouse_of(app).rows(sa.select(app_user).where(app_user.c.username == "dana"))[0]
    assert (row["role"], row["rep_key"]) == ("sales_rep", 2)
    assert admin.post(target, data={"role": "wizard"}).status_code == 303
    assert "Choose one of the roles" in page(admin, "/admin/users")
    actions = [a for a in audit(app) if a[1] == "role_changed"]
    assert actions == [("admin", "role_changed", "app_user:dana")] * 2


def test_administrators_cannot_lock_themselves_out(app: Dash, admin: FlaskClient) -> None:
    me = user_id(app, "admin")
    admin.post(f"/admin/users/{me}/deactivate")
    assert "You cannot deactivate yourself." in page(admin, "/admin/users")
    admin.post(f"/admin/users/{me}/role", data={"role": "analyst"})
    assert "You cannot take the administrator role from yourself." in page(admin, "/admin/users")
    assert admin.get("/").status_code == 200


def test_only_administrators_manage_users(app: Dash) -> None:
    manager = app.server.test_client()
    assert sign_in(manager, "manager").headers["Location"] == "/"
    assert manager.post("/admin/users", data={"username": "mallory", "role": "admin"}).status_code == 403
    assert (
        manager.post(f"/admin/users/{user_id(app, 'manager')}/role", data={"role": "admin"}).status_code
        == 403
    )
    assert "Only administrators manage users." in page(manager, "/admin/users")
    assert (
        warehouse_of(app).scalar(sa.select(app_user.c.role).where(app_user.c.username == "manager"))
        == "manager"
    )
