"""The portal: Flask server, login, the multi-page Dash app and the REST API, built by :func:`create_app`.

Run the embedded demo with ``python app.py`` (Flask's dev server on ``settings.host:settings.port``);
production serves ``create_app().server`` with gunicorn.

Access: everything needs a signed-in user except the sign-in form, static files and ``GET /api/health``.
Anonymous visitors are redirected to ``/login``; Dash's own routes answer them with the sign-in layout
(``/_dash-layout``), an empty callback graph (``/_dash-dependencies``) and 401 for callbacks, so no page
or data callback runs before login. Users live in ``app_user`` (werkzeug password hashes).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dash
from dash import Dash, Input, Output, State, dcc, html
from flask import Flask, get_flashed_messages, jsonify, redirect, request, session
from flask import flash as flask_flash
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

import api
from components import ids, live_callbacks
from components import live as live_ui
from components.access import current_portal_user
from components.context import Portal, current_portal, install
from components.login_form import login_form
from components.shell import navbar
from pipeline.events.listener import DemoDay, EmbeddedSource, KafkaSource, Listener, Source
from pipeline.events.live import LiveBoard
from pipeline.scheduler import start_scheduler
from settings import ROOT, Settings, get_settings
from warehouse import users
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade

logger = logging.getLogger(__name__)

BOOTSTRAP_CSS = "vendor/bootstrap.min.css"  # Bootstrap 5.3.6 (what dbc 2.0.4 targets), served from assets/
SECRET_KEY_FILE = "portal-secret-key"
DEMO_EVENTS_PER_SECOND = 5.0  # the demo day's pace in the embedded demo
LOGIN_ERROR = "login-error"
# Served to anonymous visitors: the sign-in page's own requests and static files.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/_dash-layout", "/_favicon.ico", "/_reload-hash"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")


class SessionUser(UserMixin):  # type: ignore[misc]
    """The Flask-Login view of a :class:`warehouse.users.PortalUser`."""

    def __init__(self, user: users.PortalUser) -> None:
        self.user = user

    def get_id(self) -> str:
        return str(self.user.user_id)


def secret_key(settings: Settings) -> str:
    """``settings.secret_key``, or (embedded demo) a random key kept in ``var_dir`` so sessions survive restarts."""
    configured = settings.secret_key.get_secret_value()
    if configured:
        return configured
    path = Path(settings.var_dir) / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    logger.info("created a session secret key in %s", path)
    return key


def _safe_next(target: str | None) -> str:
    """A local path to go to after login; anything pointing elsewhere becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or parts.path in ("/login", "/logout"):
        return "/"
    return target


def _serve_layout() -> Any:
    """The shell for a signed-in user; just the sign-in form for anyone else."""
    user = current_portal_user()
    if user is None:
        errors = get_flashed_messages(category_filter=[LOGIN_ERROR])
        return login_form(str(errors[0]) if errors else None)
    return html.Div(
        [
            dcc.Store(
                id=ids.USER_STORE,
                data={"username": user.username, "full_name": user.full_name, "role": user.role},
            ),
            dcc.Store(id=ids.LIVE_KPI_STORE),
            *live_ui.shell_components(current_portal().settings.live_refresh_ms),
            navbar(user),
            html.Main(dash.page_container, className="portal-main"),
        ]
    )


def _configure_server(server: Flask, settings: Settings) -> None:
    server.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="c360_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure unless settings turn it off (a plain-HTTP LAN demo); browsers accept it on localhost.
        SESSION_COOKIE_SECURE=bool(getattr(settings, "cookie_secure", True)),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=bool(getattr(settings, "cookie_secure", True)),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
    )


def _add_login(server: Flask, warehouse: Warehouse) -> None:
    """Flask-Login against ``app_user``, the ``/login`` and ``/logout`` views and the access guard."""
    login_manager = LoginManager(server)

    @login_manager.user_loader  # type: ignore[untyped-decorator]
    def load(user_id: str) -> SessionUser | None:
        user = users.load_user(warehouse, int(user_id)) if user_id.isdigit() else None
        return SessionUser(user) if user else None

    @server.post("/login")
    def login_post() -> ResponseReturnValue:
        username = request.form.get("username", "").strip()
        user = users.authenticate(
            warehouse, username, request.form.get("password", ""), source=request.remote_addr
        )
        if user is None:
            flask_flash("Wrong username or password.", LOGIN_ERROR)
            return redirect("/login", code=303)
        target = _safe_next(session.pop("next", None))
        session.clear()
        login_user(SessionUser(user))
        session.permanent = True
        logger.info("user %s signed in", user.username)
        return redirect(target, code=303)

    @server.get("/logout")
    def logout() -> ResponseReturnValue:
        user = current_portal_user()
        if user is not None:
            users.record_audit(warehouse, user.username, "logout", "app_user")
        logout_user()
        session.clear()
        return redirect("/login", code=303)

    @server.before_request
    def require_login() -> ResponseReturnValue | None:
        path = request.path
        if api.is_api_request():
            if request.routing_exception is not None:  # 405 and friends: answered as JSON by the API handler
                return None
            if request.endpoint in api.PUBLIC_ENDPOINTS or (
                current_user.is_authenticated and request.blueprint == "api"
            ):
                return None
            if request.blueprint != "api":  # not an API route: JSON 404, not the portal's catch-all page
                return api.error_response(404, "No API route matches this URL.")
            return api.error_response(401, "Sign in first.")
        if current_user.is_authenticated:
            return redirect("/", code=303) if path == "/login" and request.method == "GET" else None
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if path == "/_dash-dependencies":
            return jsonify([])  # no callbacks until signed in
        if path.startswith("/_dash-") or request.method != "GET":
            return api.error_response(401, "Sign in first.")
        session["next"] = request.full_path.rstrip("?")
        return redirect("/login", code=303)


class LiveFeed:
    """The process's live board with the listener feeding it and, in the demo, the thread playing the day."""

    def __init__(self, board: LiveBoard, listener: Listener, player: DemoDay | None) -> None:
        self.board = board
        self.listener = listener
        self.player = player

    def stop(self) -> None:
        """Stop the demo day and the listener (the board keeps what it has)."""
        if self.player is not None:
            self.player.stop()
        self.listener.stop()


_live_feeds: dict[str, LiveFeed] = {}  # one per warehouse and Kafka cluster in this process
_live_lock = threading.Lock()


def _live_source(settings: Settings, warehouse: Warehouse) -> Source:
    """Kafka's KPI and alert topics when a bootstrap is set, else the engine over the warehouse's event log."""
    if settings.kafka_bootstrap:
        return KafkaSource(settings.kafka_bootstrap, settings.kafka_topic_prefix)
    return EmbeddedSource(warehouse)


def start_live(settings: Settings, warehouse: Warehouse) -> LiveFeed:
    """The process's live feed for this warehouse and cluster, started on the first call."""
    key = f"{warehouse.engine.url}|{settings.kafka_bootstrap}|{settings.kafka_topic_prefix}"
    with _live_lock:
        feed = _live_feeds.get(key)
        if feed is None or not feed.listener.is_alive():
            if feed is not None:
                feed.stop()  # its listener was stopped: its demo day goes too
            board = LiveBoard()
            listener = Listener(_live_source(settings, warehouse), board)
            listener.start()
            player = (
                _start_demo_day(warehouse) if settings.live_demo and not settings.kafka_bootstrap else None
            )
            feed = _live_feeds[key] = LiveFeed(board, listener, player)
            logger.info("live feed started: %s", listener.source.name)
        return feed


def stop_live() -> None:
    """Stop every live feed of this process (tests, and a clean shutdown)."""
    with _live_lock:
        feeds = list(_live_feeds.values())
        _live_feeds.clear()
    for feed in feeds:
        feed.stop()


def _start_demo_day(warehouse: Warehouse) -> DemoDay:
    """A thread appending the demo day to the event log at a pace the portal visibly follows."""
    player = DemoDay(warehouse, events_per_second=DEMO_EVENTS_PER_SECOND)
    player.start()
    return player


def _live_wanted(live: bool | None, settings: Settings) -> bool:
    """Whether to start the live feed: as asked, else in every process but a test run's and, with the
    debug reloader, but the watching parent's (its child serves, so the demo day plays once)."""
    if live is not None:
        return live
    if settings.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return False
    return "PYTEST_CURRENT_TEST" not in os.environ


def create_app(
    settings: Settings | None = None, warehouse: Warehouse | None = None, *, live: bool | None = None
) -> Dash:
    """The portal for ``settings`` (default: the environment) reading ``warehouse`` (default: ``settings.warehouse_url``).

    ``live`` starts the process's live feed (listener and, in the demo, the demo day); by default it starts
    except under pytest, where a test asks for it.
    """
    settings = settings or get_settings()
    warehouse = warehouse or Warehouse.from_url(settings.warehouse_url)
    server = Flask(__name__)
    _configure_server(server, settings)
    install(server, Portal(settings, warehouse))
    live_callbacks.install_board(
        server, start_live(settings, warehouse).board if _live_wanted(live, settings) else LiveBoard()
    )
    app = Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash types `server` as bool | callable
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["vendor"],  # Bootstrap is linked first, below, so app.css can override it
        external_stylesheets=[f"/assets/{BOOTSTRAP_CSS}"],
        suppress_callback_exceptions=True,  # page components exist only while their page is shown
        title="Miracle Customer 360",
        update_title="",  # no "Updating..." flicker in the tab title
    )
    app.layout = _serve_layout
    _add_login(server, warehouse)
    api.register(server, warehouse)

    @app.callback(
        Output(ids.NAVBAR_COLLAPSE, "is_open"),
        Input(ids.NAVBAR_TOGGLER, "n_clicks"),
        State(ids.NAVBAR_COLLAPSE, "is_open"),
        prevent_initial_call=True,
    )
    def toggle_navbar(_clicks: int, is_open: bool) -> bool:
        return not is_open

    live_callbacks.register(app)

    # Claim the page callbacks now: Dash keeps `dash.callback`s in a process-wide list until an app's
    # first request, so a second create_app() in the same process would otherwise take them over.
    with server.test_request_context("/"):
        app._setup_server()  # type: ignore[no-untyped-call]
    return app


def create_server() -> Flask:
    """The Flask server of the portal, for WSGI servers (``gunicorn 'app:create_server()'``)."""
    server = create_app().server
    assert isinstance(server, Flask)
    return server


def main() -> None:
    """Serve the portal with Flask's dev server (and the scheduler when enabled).

    The embedded demo also brings its warehouse to the newest schema and prints one login per role.
    """
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    warehouse = Warehouse.from_url(settings.warehouse_url)
    upgrade(warehouse)
    if not settings.database_url:
        password = settings.demo_password.get_secret_value()
        demo = users.ensure_demo_users(warehouse, password)
        print(
            f"\nCustomer 360 portal: http://{settings.host}:{settings.port}\nDemo logins (password {password!r}):"
        )
        for username, role in demo:
            print(f"  {username:<14} {role}")
        print(flush=True)
    start_scheduler(settings)
    create_app(settings, warehouse).run(host=settings.host, port=settings.port, debug=settings.debug)


if __name__ == "__main__":
    main()
