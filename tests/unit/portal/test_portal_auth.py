"""Signing in and out of the portal, and what an anonymous visitor can and cannot reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import secret_key
from auth import safe_next
from components import ids
from tests.unit.portal.portal_data import portal_settings, post_callback, sign_in
from warehouse.engine import Warehouse
from warehouse.schema import ops_audit_log


def overview_callback(client: FlaskClient) -> Any:
    """Call the overview page's KPI callback the way the browser does."""
    outputs = [
        (ids.OVERVIEW_KPI_ROW, "children"),
        (ids.OVERVIEW_AS_OF, "children"),
        (ids.OVERVIEW_ALERT, "children"),
        (ids.OVERVIEW_ALERT, "is_open"),
    ]
    return post_callback(client, outputs, (ids.OVERVIEW_LOAD, "data", 0))


def component_text(tree: Any, component_id: str) -> Any:
    """The children of the component with ``component_id`` in a serialised Dash tree."""
    if isinstance(tree, list):
        found = [component_text(t, component_id) for t in tree]
        return next((f for f in found if f is not None), None)
    if isinstance(tree, dict) and "props" in tree:
        if tree["props"].get("id") == component_id:
            return tree["props"].get("children")
        return component_text(tree["props"].get("children"), component_id)
    return None


def audit_actions(warehouse: Warehouse, actor: str) -> list[str]:
    rows = warehouse.rows(
        sa.select(ops_audit_log.c.action).where(ops_audit_log.c.actor == actor).order_by(ops_audit_log.c.id)
    )
    return [r["action"] for r in rows]


@pytest.mark.parametrize("path", ["/", "/customers", "/anything/else"])
def test_pages_redirect_anonymous_visitors_to_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_dash_routes_give_anonymous_visitors_only_the_sign_in_form(client: FlaskClient) -> None:
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert ids.LOGIN_FORM.encode() in layout.data and ids.NAVBAR.encode() not in layout.data
    assert client.get("/_dash-dependencies").json == []
    refused = overview_callback(client)
    assert refused.status_code == 401
    assert (refused.json["error"]["code"], refused.json["error"]["message"]) == (401, "Sign in first.")
    assert client.get("/login").status_code == 200


def test_wrong_password_is_refused_and_audited(client: FlaskClient, portal_warehouse: Warehouse) -> None:
    response = sign_in(client, "analyst", "guess")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert b"Wrong username or password." in client.get("/_dash-layout").data
    assert client.get("/").status_code == 303  # still signed out
    assert sign_in(client, "nobody").headers["Location"] == "/login"
    assert audit_actions(portal_warehouse, "analyst")[-1] == "login_failed"
    assert audit_actions(portal_warehouse, "nobody")[-1] == "login_failed"


def test_good_login_reaches_the_overview_with_its_kpis(
    client: FlaskClient, portal_warehouse: Warehouse
) -> None:
    response = sign_in(client, "manager")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("c360_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout").data.decode()
    assert "Demo Manager" in layout and ids.NAVBAR in layout
    assert len(client.get("/_dash-dependencies").json) >= 3
    kpis = overview_callback(client)
    assert kpis.status_code == 200
    cards = kpis.json["response"][ids.OVERVIEW_KPI_ROW]["children"]
    assert component_text(cards, ids.kpi_value("revenue-today")) == "£4,500"
    assert component_text(cards, ids.kpi_value("active-customers")) == "270"
    assert audit_actions(portal_warehouse, "manager")[-1] == "login"
    assert client.get("/login").headers["Location"] == "/"  # signed-in users skip the form


def test_login_returns_to_the_page_first_asked_for(client: FlaskClient) -> None:
    client.get("/customers?q=leeds")
    response = sign_in(client, "analyst")
    assert response.headers["Location"] == "/customers?q=leeds"


def test_logout_ends_the_session(signed_in: FlaskClient, portal_warehouse: Warehouse) -> None:
    assert signed_in.get("/").status_code == 200
    assert b"logout-confirm" in signed_in.get("/logout").data  # a GET only asks
    assert signed_in.get("/").status_code == 200
    assert signed_in.post("/logout").headers["Location"] == "/login"  # the form posts the CSRF token
    assert signed_in.get("/").status_code == 303
    assert overview_callback(signed_in).status_code == 401
    assert "logout" in audit_actions(portal_warehouse, "manager")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/"),
        ("/customers?q=a", "/customers?q=a"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/logout", "/"),
    ],
)
def test_after_login_only_local_pages_are_followed(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = portal_settings(tmp_path)
    settings.secret_key = type(settings.secret_key)("")
    first = secret_key(settings)
    assert len(first) == 64 and secret_key(settings) == first
    assert (tmp_path / "portal-secret-key").stat().st_mode & 0o077 == 0
