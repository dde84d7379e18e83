"""The portal: Flask server, login, the multi-page Dash app and the REST API, built by :func:`create_app`.

Run the embedded demo with ``python app.py`` (Flask's dev server on ``settings.host:settings.port``);
production serves ``create_app().server`` with gunicorn.

Access: everything needs a signed-in user except the sign-in forms, static files and ``GET /api/health``;
:mod:`auth` holds the sign-in views, server-side sessions, CSRF checks and security headers. Users live in
``app_user`` (werkzeug password hashes), their sessions in ``app_session``.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html
from flask import Flask, get_flashed_messages

import api
import auth
import ops
from auth import csrf
from components import forecast, ids, live_callbacks, report_routes
from components import live as live_ui
from components.access import current_portal_user
from components.context import Portal, current_portal, install
from components.login_form import enrol_form, login_form, mfa_form
from components.shell import navbar
from pipeline.events.listener import DemoDay, EmbeddedSource, KafkaSource, Listener, Source
from pipeline.events.live import LiveBoard
from pipeline.events.outbox import RelayThread
from settings import ROOT, Settings, get_settings
from warehouse import mfa, users
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade

logger = logging.getLogger(__name__)

BOOTSTRAP_CSS = "vendor/bootstrap.min.css"  # Bootstrap 5.3.6 (what dbc 2.0.4 targets), served from assets/
SECRET_KEY_FILE = "portal-secret-key"  # the file name, not the key  # nosec B105
DEMO_EVENTS_PER_SECOND = 5.0  # the demo day's pace in the embedded demo


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


def _sign_in_layout() -> Any:
    """The sign-in step an anonymous visitor is at: password, TOTP code, or enrolling a second factor."""
    errors = get_flashed_messages(category_filter=[auth.LOGIN_ERROR])
    error = str(errors[-1]) if errors else None  # the newest: earlier ones may be stale
    token = csrf.token()
    state = auth.pending()
    if state is not None:
        context = auth.auth_context()
        user_id, step = state
        if step == "mfa":
            return mfa_form(error, token)
        secret = mfa.pending_secret(context.warehouse, user_id, context.cipher)
        user = users.load_user(context.warehouse, user_id)
        if secret is not None and user is not None:
            uri = mfa.provisioning_uri(secret, user.username, context.settings.mfa_issuer)
            return enrol_form(mfa.qr_data_uri(uri), secret, error, token, action="/mfa/enrol")
    return login_form(error, token)


def _serve_layout() -> Any:
    """The shell for a signed-in user; just the sign-in form for anyone else."""
    user = current_portal_user()
    if user is None:
        return _sign_in_layout()
    return html.Div(
        [
            dcc.Store(
                id=ids.USER_STORE,
                data={"username": user.username, "full_name": user.full_name, "role": user.role},
            ),
            dcc.Store(id=ids.LIVE_KPI_STORE),
            *live_ui.shell_components(current_portal().settings.live_refresh_ms),
            navbar(user, csrf.token()),
            html.Main(dash.page_container, className="portal-main"),
        ]
    )


def _configure_server(server: Flask, settings: Settings) -> None:
    server.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="c360_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure unless settings turn it off (a plain-HTTP LAN demo); then still Secure on HTTPS requests.
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        # The cookie is not renewed on each answer; the server-side session decides (idle and max age).
        SESSION_REFRESH_EACH_REQUEST=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
    )


class LiveFeed:
    """The process's live board with the listener feeding it and, in the demo, the thread playing the day."""

    def __init__(
        self, board: LiveBoard, listener: Listener, player: DemoDay | None, relay: RelayThread | None = None
    ) -> None:
        self.board = board
        self.listener = listener
        self.player = player
        self.relay = relay

    def stop(self) -> None:
        """Stop the demo day, the relay and the listener (the board keeps what it has)."""
        if self.player is not None:
            self.player.stop()
        if self.relay is not None:
            self.relay.stop()
        self.listener.stop()


_live_feeds: dict[str, LiveFeed] = {}  # one per warehouse and Kafka cluster in this process
_live_lock = threading.Lock()


def _live_source(settings: Settings, warehouse: Warehouse) -> Source:
    """Kafka's KPI and alert topics when a bootstrap is set, else the engine over the warehouse's event log."""
    if settings.kafka_bootstrap:
        return KafkaSource(settings.kafka_bootstrap, settings.kafka_topic_prefix)
    return EmbeddedSource(warehouse, start=start_of_today())


def start_of_today() -> datetime:
    """Midnight UTC today (the live windows' day): the embedded engine reads the event log from there."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


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
            ops.watch_listener(listener)
            player = (
                _start_demo_day(warehouse) if settings.live_demo and not settings.kafka_bootstrap else None
            )
            relay = _start_relay(settings, warehouse)
            feed = _live_feeds[key] = LiveFeed(board, listener, player, relay)
            logger.info("live feed started: %s", listener.source.name)
        return feed


def stop_live() -> None:
    """Stop every live feed of this process (tests, and a clean shutdown)."""
    with _live_lock:
        feeds = list(_live_feeds.values())
        _live_feeds.clear()
    for feed in feeds:
        feed.stop()


def _start_relay(settings: Settings, warehouse: Warehouse) -> RelayThread | None:
    """With a broker and a SQLite warehouse, the thread relaying its captured changes to Kafka (PostgreSQL and
    SQL Server have their own change capture)."""
    if not (settings.kafka_bootstrap and settings.outbox_relay and warehouse.dialect == "sqlite"):
        return None
    relay = RelayThread(warehouse, settings.kafka_bootstrap)
    relay.start()
    return relay


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
    settings: Settings | None = None,
    warehouse: Warehouse | None = None,
    clock: auth.Clock = auth.utcnow,
    *,
    live: bool | None = None,
) -> Dash:
    """The portal for ``settings`` (default: the environment) reading ``warehouse`` (default: ``settings.warehouse_url``).

    ``clock`` (naive UTC) times sessions, throttling and second-factor codes. ``live`` starts the process's live
    feed (listener and, in the demo, the demo day); by default it starts except under pytest, where a test asks.
    """
    settings = settings or get_settings()
    warehouse = warehouse or Warehouse.from_url(settings.warehouse_url)
    server = Flask(__name__)
    _configure_server(server, settings)
    ops.install(server, settings, warehouse)  # first: its timing hook sees every request
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
    auth.install(server, auth.AuthContext(settings, warehouse, secret_key(settings), clock))
    api.register(server, warehouse, settings, clock)
    report_routes.register(server)

    @app.callback(
        Output(ids.NAVBAR_COLLAPSE, "is_open"),
        Input(ids.NAVBAR_TOGGLER, "n_clicks"),
        State(ids.NAVBAR_COLLAPSE, "is_open"),
        prevent_initial_call=True,
    )
    def toggle_navbar(_clicks: int, is_open: bool) -> bool:
        return not is_open

    live_callbacks.register(app)
    forecast.register(app)

    # Claim the page callbacks now: Dash keeps `dash.callback`s in a process-wide list until an app's
    # first request, so a second create_app() in the same process would otherwise take them over.
    with server.test_request_context("/"):
        app._setup_server()  # type: ignore[no-untyped-call]
    auth.allow_scripts(server, app.csp_hashes)
    return app


def create_server() -> Flask:
    """The Flask server of the portal, for WSGI servers (``gunicorn 'app:create_server()'``)."""
    settings = get_settings()
    ops.configure_logging(settings.log_level, settings.log_format)
    server: Flask = create_app(settings).server
    return server


def prepare(settings: Settings) -> Warehouse:
    """Bring the warehouse to the newest schema and, in the embedded demo, print one login per role."""
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
        required = ", ".join(sorted(settings.mfa_required_roles))
        print(f"Roles that set up two-step sign-in at first sign-in: {required or 'none'}", flush=True)
    return warehouse


def main() -> None:
    """Serve the portal with Flask's dev server (and the scheduler when enabled); ``make demo`` uses gunicorn
    (``gunicorn.conf.py``) instead.

    The embedded demo also brings its warehouse to the newest schema and prints one login per role.
    """
    settings = get_settings()
    ops.configure_logging(settings.log_level, settings.log_format)
    warehouse = prepare(settings)
    from ops.leader import start_scheduler_thread  # when enabled, and no other replica leads it

    start_scheduler_thread(settings)
    create_app(settings, warehouse).run(
        host=settings.host, port=settings.port, debug=settings.debug, request_handler=auth.QuietRequestHandler
    )


if __name__ == "__main__":
    main()
