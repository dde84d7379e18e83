"""Sessions that end: logout, password change, deactivation, idle time and maximum age; CSRF on every post."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from dash import Dash
from flask.testing import FlaskClient

from components import ids
from components import live as live_ui
from components.shell import SIGN_OUT_BUTTON
from tests.unit.portal.portal_data import PASSWORD, build_portal_warehouse, call_callback, sign_in
from tests.unit.portal.security_helpers import SESSION_COOKIE, Clock, copy_session, form_token, security_app
from tests.unit.portal.test_portal_auth import overview_callback
from warehouse.engine import Warehouse
from warehouse.schema import app_session, app_user

NEW_PASSWORD = "plum orchard lantern 42"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return build_portal_warehouse(tmp_path_factory.mktemp("sessions") / "warehouse.db")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock, warehouse: Warehouse) -> Dash:
    return security_app(tmp_path, clock, warehouse)


def signed_in_client(app: Dash, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.server.test_client()
    assert sign_in(client, username, password).status_code == 303
    assert client.get("/").status_code == 200
    return client


def test_a_cookie_kept_after_logout_is_refused(app: Dash) -> None:
    user = signed_in_client(app, "analyst")
    thief = app.server.test_client()
    copy_session(user, thief)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    assert user.post("/logout").headers["Location"] == "/login"
    assert thief.get("/").status_code == 303
    assert thief.get("/_dash-layout").data.count(b"login-form") == 1


def test_logout_is_a_post_with_the_form_token(app: Dash) -> None:
    user = signed_in_client(app, "analyst")
    navbar = user.get("/_dash-layout").data.decode()
    assert SIGN_OUT_BUTTON in navbar and form_token(user) in navbar  # one click: the navbar's form posts
    assert b"logout-confirm" in user.get("/logout").data  # GET only asks
    assert user.get("/").status_code == 200
    del user.environ_base["HTTP_X_CSRFTOKEN"]
    assert user.post("/logout").status_code == 403  # a cross-site form cannot sign anyone out
    assert user.get("/").status_code == 200
    assert user.post("/logout", data={"csrf_token": form_token(user)}).status_code == 303
    assert user.get("/").status_code == 303


def test_changing_the_password_ends_every_other_session(app: Dash, warehouse: Warehouse) -> None:
    laptop = signed_in_client(app, "marketing")
    phone = signed_in_client(app, "marketing")
    response = laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 303
    assert laptop.get("/").status_code == 200  # the session that changed it goes on
    assert phone.get("/").status_code == 303
    assert overview_callback(phone).status_code == 401
    assert sign_in(app.server.test_client(), "marketing").headers["Location"] == "/login"  # old password
    assert sign_in(app.server.test_client(), "marketing", NEW_PASSWORD).headers["Location"] == "/"
    reasons = warehouse.rows(
        sa.select(app_session.c.revoked_reason)
        .join(app_user, app_user.c.user_id == app_session.c.user_id)
        .where(app_user.c.username == "marketing", app_session.c.revoked_at.is_not(None))
    )
    assert [r["revoked_reason"] for r in reasons] == ["password_changed"]


@pytest.mark.parametrize(
    ("new_password", "message"),
    [("short pass", "at least 12 characters"), ("password1234", "most common"), ("x" * 14, "too few")],
)
def test_weak_new_passwords_are_refused(app: Dash, new_password: str, message: str) -> None:
    user = signed_in_client(app, "analyst")
    data = {"current_password": PASSWORD, "new_password": new_password, "confirm_password": new_password}
    assert user.post("/account/password", data=data).status_code == 303
    assert message in user.get("/_dash-layout").data.decode() or message in _account_page(user)
    assert sign_in(app.server.test_client(), "analyst").headers["Location"] == "/"  # unchanged


def _account_page(client: FlaskClient) -> str:
    from tests.unit.portal.portal_data import call_callback

    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", "/account"), ("_pages_location", "search", "")],
    )
    return response.data.decode()


def test_an_idle_session_ends_after_30_minutes(app: Dash, clock: Clock) -> None:
    user = signed_in_client(app, "analyst")
    clock.advance(minutes=29)
    assert user.get("/").status_code == 200
    clock.advance(minutes=29)  # 29 min after the last request: still alive
    assert user.get("/").status_code == 200
    clock.advance(minutes=31)
    assert user.get("/").status_code == 303
    assert overview_callback(user).status_code == 401


def test_a_session_in_use_still_ends_after_12_hours(app: Dash, clock: Clock) -> None:
    user = signed_in_client(app, "analyst")
    for _ in range(11 * 4 + 3):  # a request every 15 minutes for 11 h 45 min
        clock.advance(minutes=15)
        assert user.get("/").status_code == 200
    clock.advance(minutes=16)
    assert user.get("/").status_code == 303


def test_the_cookie_is_not_renewed_on_every_answer_and_last_seen_is_written_once_a_minute(
    app: Dash, clock: Clock, warehouse: Warehouse
) -> None:
    user = signed_in_client(app, "data_steward")
    response = user.get("/")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE)]

    def last_seen() -> object:
        query = (
            sa.select(sa.func.max(app_session.c.last_seen_at))
            .join(app_user, app_user.c.user_id == app_session.c.user_id)
            .where(app_user.c.username == "data_steward")
        )
        return warehouse.scalar(query)

    clock.advance(seconds=30)
    user.get("/")
    before = last_seen()
    assert before is not None and before < clock.now
    clock.advance(seconds=31)
    user.get("/")
    assert last_seen() == clock.now


def test_deactivating_a_user_and_signing_them_out_everywhere_end_their_sessions(
    app: Dash, warehouse: Warehouse
) -> None:
    rep = signed_in_client(app, "sales_rep")
    admin = signed_in_client(app, "admin")
    rep_id = warehouse.scalar(sa.select(app_user.c.user_id).where(app_user.c.username == "sales_rep"))
    assert admin.post(f"/admin/users/{rep_id}/sign-out").status_code == 303
    assert rep.get("/").status_code == 303
    rep = signed_in_client(app, "sales_rep")
    assert admin.post(f"/admin/users/{rep_id}/deactivate").status_code == 303
    assert rep.get("/").status_code == 303
    assert sign_in(app.server.test_client(), "sales_rep").headers["Location"] == "/login"
    assert admin.post(f"/admin/users/{rep_id}/reactivate").status_code == 303
    assert signed_in_client(app, "sales_rep").post(f"/admin/users/{rep_id}/deactivate").status_code == 403


def test_a_login_post_without_the_form_token_is_refused(app: Dash) -> None:
    client = app.server.test_client()
    response = client.post("/login", data={"username": "analyst", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 303
    other = app.server.test_client()  # a token from another browser does not count either
    stolen = form_token(other)
    form_token(client)
    refused = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": stolen})
    assert refused.status_code == 403


def test_a_dash_callback_without_the_header_is_refused(app: Dash) -> None:
    user = signed_in_client(app, "manager")
    assert overview_callback(user).status_code == 200
    token = user.environ_base.pop("HTTP_X_CSRFTOKEN")
    refused = overview_callback(user)
    assert refused.status_code == 403 and "CSRF" in refused.json["error"]["message"]
    user.environ_base["HTTP_X_CSRFTOKEN"] = token + "x"
    assert overview_callback(user).status_code == 403


def test_cookies_are_http_only_lax_and_secure_behind_an_https_proxy(tmp_path: Path, clock: Clock) -> None:
    app = security_app(tmp_path, clock, cookie_secure=False, proxy_count=1)
    via_https = app.server.test_client()
    response = via_https.get("/login", headers={"X-Forwarded-Proto": "https"})
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    response = app.server.test_client().get("/login")
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE))
    assert "Secure" not in session_cookie and "HttpOnly" in session_cookie


def test_the_live_tiles_timer_does_not_keep_an_idle_session_alive(app: Dash, clock: Clock) -> None:
    user = signed_in_client(app, "analyst")
    for _ in range(31):  # the Overview left open: its live refresh posts every minute for 31 minutes
        clock.advance(minutes=1)
        refresh = call_callback(
            user,
            [(ids.LIVE_KPI_STORE, "data"), (live_ui.ALERTS_STORE, "data"), (live_ui.VERSION_STORE, "data")],
            [(live_ui.INTERVAL, "n_intervals", 1)],
            [(live_ui.VERSION_STORE, "data", None)],
        )
        assert refresh.status_code in (200, 204, 401)
    assert user.get("/").status_code == 303, "31 minutes without the user doing anything: signed out"
