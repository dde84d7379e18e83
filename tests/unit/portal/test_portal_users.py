"""Roles and demo users in ``app_user``."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.unit.portal.portal_data import PASSWORD, build_portal_warehouse
from warehouse import users
from warehouse.schema import app_role, app_user


def test_demo_users_one_per_role_idempotent(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "w.db")  # already ran ensure_demo_users once
    again = users.ensure_demo_users(warehouse, "a different password")
    assert again == [(role, role) for role in users.ROLES]
    rows = warehouse.rows(sa.select(app_user.c.username, app_user.c.role, app_user.c.rep_key))
    assert sorted((r["username"], r["role"]) for r in rows) == sorted(again)
    rep_keys = {r["username"]: r["rep_key"] for r in rows}
    assert rep_keys["sales_rep"] == 1  # linked to the first dim_sales_rep row
    assert warehouse.scalar(sa.select(sa.func.count()).select_from(app_role)) == len(users.ROLES)
    assert users.authenticate(warehouse, "sales_rep", PASSWORD) is not None  # password kept
    stored = warehouse.scalar(sa.select(app_user.c.password_hash).where(app_user.c.username == "admin"))
    assert PASSWORD not in stored and stored.startswith("scrypt:")


def test_authenticate_refuses_wrong_password_and_inactive_users(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "w.db")
    user = users.authenticate(warehouse, "sales_rep", PASSWORD, source="10.0.0.7")
    assert user is not None and (user.role, user.full_name, user.rep_key) == ("sales_rep", "Alice Brown", 1)
    assert users.authenticate(warehouse, "sales_rep", PASSWORD + "x") is None
    with warehouse.begin() as conn:
        conn.execute(app_user.update().where(app_user.c.username == "analyst").values(active=False))
    assert users.authenticate(warehouse, "analyst", PASSWORD) is None
    assert users.load_user(warehouse, user.user_id) == user
