"""Live KPIs and alerts in the portal: the shell's stores, the notification bell, toasts and the live tiles.

Every ``live_refresh_ms`` the browser asks for the signed-in user's snapshot of the live board
(:meth:`pipeline.events.live.LiveBoard.snapshot`), computed on the server from the session's user, and
keeps it in ``ids.LIVE_KPI_STORE``; the bell, the toasts and the Overview's live tiles are drawn from it.
Which alerts a user has read is kept in the browser tab (session storage): opening the bell reads them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import Flask, current_app

from components import format as fmt
from components import ids
from components.access import current_portal_user
from components.context import current_portal
from pipeline.events.live import LiveBoard, Viewer, parse_time
from warehouse.engine import Warehouse
from warehouse.schema import dim_sales_rep
from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

BOARD_EXTENSION = "customer360.live"
INTERVAL = "shell-live-interval"
VERSION_STORE = "shell-live-version"  # "<user>|<board version>|<minute>|<alerts>" of the snapshot shown
ALERTS_STORE = "shell-live-alerts"  # the user's alerts, changed only when they change (bell and toasts)
SEEN_STORE = "shell-live-seen"  # {"user", "ids"}: digests of the alerts read in this tab
KNOWN_STORE = "shell-live-known"  # alert ids already in the page, so only new ones pop up
TOASTS = "shell-live-toasts"
BELL = "shell-live-bell"
BELL_COUNT = "shell-live-bell-count"
BELL_POPOVER = "shell-live-bell-popover"
BELL_LIST = "shell-live-bell-list"
TILES = "overview-live-tiles"
TILES_STATUS = "overview-live-status"
TOASTS_AT_ONCE = 3
TOAST_MS = 8000
REP_NAME_SECONDS = 60.0

# The live tiles: (measure, title), in display order.
TILE_MEASURES: tuple[tuple[str, str], ...] = (
    ("revenue", "Revenue today"),
    ("orders", "Orders today"),
    ("new_leads", "New leads today"),
    ("conversions", "Conversions today"),
    ("active_customers", "Active customers today"),
)
SEVERITY_COLOURS = {"high": "danger", "warning": "warning", "medium": "warning"}


def tile_value_id(measure: str) -> str:
    """The id of a live tile's number (``overview-live-revenue-value``)."""
    return f"overview-live-{measure}-value"


def tile_spark_id(measure: str) -> str:
    return f"overview-live-{measure}-spark"


# --- the board and who asks ------------------------------------------------------------------------------


def install_board(server: Flask, board: LiveBoard) -> None:
    server.extensions[BOARD_EXTENSION] = board


def current_board() -> LiveBoard:
    """The live board of the app handling the current request."""
    return cast(LiveBoard, current_app.extensions[BOARD_EXTENSION])


_rep_names: dict[tuple[int, int], tuple[float, str | None]] = {}
_rep_names_lock = threading.Lock()


def rep_name(warehouse: Warehouse, rep_key: int) -> str | None:
    """``dim_sales_rep.name`` of ``rep_key`` (kept for a minute: asked once a second per signed-in rep)."""
    key = (id(warehouse), rep_key)
    with _rep_names_lock:
        cached = _rep_names.get(key)
    if cached and time.monotonic() - cached[0] < REP_NAME_SECONDS:
        return cached[1]
    rows = warehouse.rows(sa.select(dim_sales_rep.c.name).where(dim_sales_rep.c.rep_key == rep_key))
    name = str(rows[0]["name"]) if rows else None
    with _rep_names_lock:
        _rep_names[key] = (time.monotonic(), name)
    return name


def viewer_for(user: PortalUser, warehouse: Warehouse) -> Viewer:
    """The board's view of a portal user: a sales rep by their linked rep's name."""
    rep = rep_name(warehouse, user.rep_key) if user.role == "sales_rep" and user.rep_key is not None else None
    return Viewer(user.role, rep)


# --- pure builders -----------------------------------------------------------------------------------


def _attrs(attributes: dict[str, Any]) -> dict[str, Any]:
    """``data-*`` and ``aria-*`` attributes, which Dash takes as keyword arguments."""
    return attributes


def shell_components(refresh_ms: int) -> list[Any]:
    """The stores, the refresh interval and the toast area the app shell holds for every page."""
    return [
        dcc.Interval(id=INTERVAL, interval=refresh_ms, n_intervals=0),
        dcc.Store(id=VERSION_STORE),
        dcc.Store(id=ALERTS_STORE),
        dcc.Store(id=SEEN_STORE, storage_type="session"),
        dcc.Store(id=KNOWN_STORE),
        html.Div(id=TOASTS, className="live-toasts", **_attrs({"aria-live": "polite"})),
    ]


def bell() -> html.Div:
    """The navbar's bell: the unread count and, on click, the user's newest alerts."""
    button = dbc.Button(
        [
            html.Span(className="live-bell-icon", **_attrs({"aria-hidden": "true"})),
            dbc.Badge("", id=BELL_COUNT, color="danger", pill=True, className="live-bell-count"),
        ],
        id=BELL,
        color="link",
        n_clicks=0,
        className="live-bell",
        title="Notifications",
    )
    popover = dbc.Popover(
        [
            dbc.PopoverHeader("Notifications"),
            dbc.PopoverBody(html.Div(id=BELL_LIST, className="live-bell-list")),
        ],
        id=BELL_POPOVER,
        target=BELL,
        placement="bottom-end",
        is_open=False,
        class_name="live-bell-popover",
    )
    return html.Div([button, popover], className="live-bell-wrap")


def alert_time(alert: Mapping[str, Any]) -> str:
    """``10:15`` (UTC) of an alert's event; empty when it has none."""
    try:
        return f"{parse_time(str(alert['occurred_at'])):%H:%M} UTC"
    except (KeyError, ValueError):
        return ""


def alert_items(alerts: Sequence[Mapping[str, Any]], seen: set[str]) -> list[html.Div] | html.Div:
    """One line per alert, newest first, unread ones marked."""
    if not alerts:
        return html.Div("No alerts yet today.", className="text-muted small")
    return [
        html.Div(
            [
                dbc.Badge(
                    str(a.get("severity", "")),
                    color=SEVERITY_COLOURS.get(str(a.get("severity")), "secondary"),
                ),
                html.Span(str(a.get("message") or a.get("rule")), className="ms-2"),
                html.Div(alert_time(a), className="text-muted small"),
            ],
            className="live-alert" + ("" if read_mark(a["alert_id"]) in seen else " live-alert-unread"),
            **_attrs({"data-alert-id": str(a["alert_id"])}),
        )
        for a in alerts
    ]


def read_mark(alert_id: str) -> str:
    """What the browser keeps of a read alert: a digest, not the id (which names a customer)."""
    return hashlib.sha256(alert_id.encode()).hexdigest()[:16]


def unread_count(alerts: Sequence[Mapping[str, Any]], seen: set[str]) -> str:
    """The bell's badge: the number of unread alerts (``seen`` holds their read marks), empty when none."""
    unread = sum(1 for a in alerts if read_mark(a["alert_id"]) not in seen)
    return str(unread) if unread else ""


def toasts(alerts: Sequence[Mapping[str, Any]]) -> list[dbc.Toast]:
    """A toast per new alert (at most three, newest on top)."""
    return [
        dbc.Toast(
            html.Div(
                [
                    html.Div(str(a.get("message") or a.get("rule"))),
                    html.Div(alert_time(a), className="text-muted small"),
                ],
                **_attrs({"data-alert-id": str(a["alert_id"])}),
            ),
            header=str(a.get("rule", "alert")).replace("_", " ").capitalize(),
            icon=SEVERITY_COLOURS.get(str(a.get("severity")), "info"),
            duration=TOAST_MS,
            dismissable=True,
            is_open=True,
            class_name="live-toast",
        )
        for a in list(alerts)[:TOASTS_AT_ONCE]
    ]


def tile_text(measure: str, value: float) -> str:
    return fmt.money(value) if measure == "revenue" else fmt.count(value)


def sparkline(series: Sequence[Mapping[str, Any]], measure: str) -> dict[str, Any]:
    """A bare line of ``measure`` per minute over the last 30 minutes (a plain figure dict: it is redrawn
    every refresh, and building ``go.Figure`` objects five times a second per user costs too much)."""
    return {
        "data": [
            {
                "type": "scatter",
                "x": [p["minute"] for p in series],
                "y": [p[measure] for p in series],
                "mode": "lines",
                "line": {"width": 2, "color": "#118dff"},
                "fill": "tozeroy",
                "fillcolor": "rgba(17, 141, 255, 0.12)",
                "hoverinfo": "skip",
            }
        ],
        "layout": {
            "height": 40,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "xaxis": {"visible": False, "fixedrange": True},
            "yaxis": {"visible": False, "fixedrange": True, "rangemode": "tozero"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "showlegend": False,
        },
    }


def live_tiles() -> html.Div:
    """The Overview's live row: today's numbers so far with their last 30 minutes."""
    cards = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(title, className="kpi-title"),
                        html.Div("—", id=tile_value_id(measure), className="kpi-value live-value"),
                        dcc.Graph(
                            id=tile_spark_id(measure),
                            figure=sparkline([], measure),
                            config={"staticPlot": True, "displayModeBar": False},
                            responsive=True,
                            style={"height": "40px", "width": "100%"},
                            className="live-spark",
                        ),
                    ]
                ),
                className="kpi-card live-card h-100",
            ),
            xs=12,
            md=6,
            lg=4,
            xl=True,
            className="mb-3",
        )
        for measure, title in TILE_MEASURES
    ]
    return html.Div(
        [
            html.Div(
                [html.Span("● Live", className="live-dot me-2"), html.Span(id=TILES_STATUS)],
                className="text-muted small mb-2",
            ),
            dbc.Row(cards),
        ],
        id=TILES,
    )


def tile_display(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The tiles' texts for a snapshot: ``{"values": {measure: "£1,234"}, "status": "..."}``.

    Sent inside the snapshot, so the browser draws the tiles without another request (``TILES_JS``).
    """
    today = snapshot["today"]
    scope = snapshot.get("scope")
    whose = "your customers" if scope and scope[0] == "rep" else "all customers"
    if scope is None:
        whose = "no sales rep is linked to your account"
    as_of = parse_time(str(snapshot["as_of"]))
    return {
        "values": {m: tile_text(m, float(today[m])) for m, _ in TILE_MEASURES},
        "status": f"Today so far (UTC) · {whose} · updated {as_of:%H:%M:%S} · {fmt.currency_note()}",
    }


def tile_outputs(snapshot: Mapping[str, Any] | None) -> tuple[list[str], list[dict[str, Any]], str]:
    """The tiles' numbers, sparklines and status line for a snapshot (dashes while there is none); what
    ``TILES_JS`` computes in the browser."""
    if not snapshot:
        blank = [sparkline([], m) for m, _ in TILE_MEASURES]
        return ["—" for _ in TILE_MEASURES], blank, WAITING
    shown = snapshot.get("display") or tile_display(snapshot)
    values = [str(shown["values"][m]) for m, _ in TILE_MEASURES]
    figures = [sparkline(snapshot["series"], m) for m, _ in TILE_MEASURES]
    return values, figures, str(shown["status"])


WAITING = "Waiting for live data…"
_SPARK = sparkline([], "revenue")
# The Overview's tiles drawn in the browser from the snapshot: no request per refresh (see tile_outputs).
_TILES_TEMPLATE = """function(snapshot) {
    const measures = MEASURES;
    const trace = TRACE;
    const layout = LAYOUT;
    const series = snapshot ? snapshot.series : [];
    const x = series.map(p => p.minute);
    const figures = measures.map(m => ({
        data: [Object.assign({}, trace, {x: x, y: series.map(p => p[m])})], layout: layout}));
    if (!snapshot || !snapshot.display) {
        return measures.map(() => "\u2014").concat(figures, [WAITING]);
    }
    return measures.map(m => snapshot.display.values[m]).concat(figures, [snapshot.display.status]);
}"""
TILES_JS = (
    _TILES_TEMPLATE.replace("MEASURES", json.dumps([m for m, _ in TILE_MEASURES]))
    .replace("TRACE", json.dumps({k: v for k, v in _SPARK["data"][0].items() if k not in ("x", "y")}))
    .replace("LAYOUT", json.dumps(_SPARK["layout"]))
    .replace("WAITING", json.dumps(WAITING))
)


# --- callbacks -----------------------------------------------------------------------------------------


def register(app: Dash) -> None:
    """The shell's live callbacks: the snapshot every interval, the bell, and toasts for new alerts."""

    @app.callback(
        Output(ids.LIVE_KPI_STORE, "data"),
        Output(ALERTS_STORE, "data"),
        Output(VERSION_STORE, "data"),
        Input(INTERVAL, "n_intervals"),
        State(VERSION_STORE, "data"),
    )
    def push_snapshot(_n: int, shown: str | None) -> tuple[dict[str, Any], Any, str]:
        """The signed-in user's snapshot, only when it changed since the one the page holds; their alerts
        only when those changed."""
        user = current_portal_user()
        if user is None:
            raise PreventUpdate
        viewer = viewer_for(user, current_portal().warehouse)
        snapshot = current_board().snapshot(viewer)
        alerts = snapshot["alerts"]
        alerts_key = f"{len(alerts)}:{alerts[0]['alert_id'] if alerts else ''}"
        version = f"{user.username}|{snapshot['version']}|{snapshot['as_of'][:16]}|{alerts_key}"
        if version == shown:
            raise PreventUpdate
        snapshot["display"] = tile_display(snapshot)
        same_alerts = (
            shown is not None and shown.startswith(f"{user.username}|") and shown.endswith(f"|{alerts_key}")
        )
        return snapshot, no_update if same_alerts else alerts, version

    @app.callback(
        Output(BELL_COUNT, "children"),
        Output(BELL_LIST, "children"),
        Input(ALERTS_STORE, "data"),
        Input(SEEN_STORE, "data"),
        State(ids.USER_STORE, "data"),
    )
    def draw_bell(
        alerts: list[dict[str, Any]] | None, seen: dict[str, Any] | None, user: dict[str, Any] | None
    ) -> tuple[str, Any]:
        alerts = alerts or []
        read = _seen_ids(seen, user)
        return unread_count(alerts, read), alert_items(alerts, read)

    @app.callback(
        Output(BELL_POPOVER, "is_open"),
        Output(SEEN_STORE, "data"),
        Input(BELL, "n_clicks"),
        State(BELL_POPOVER, "is_open"),
        State(ALERTS_STORE, "data"),
        State(ids.USER_STORE, "data"),
        prevent_initial_call=True,
    )
    def toggle_bell(
        _clicks: int, is_open: bool, alerts: list[dict[str, Any]] | None, user: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any]]:
        """Opening the bell reads every alert it shows."""
        alerts = alerts or []
        username = (user or {}).get("username")
        return not is_open, {"user": username, "ids": [read_mark(a["alert_id"]) for a in alerts]}

    @app.callback(
        Output(TOASTS, "children"),
        Output(KNOWN_STORE, "data"),
        Input(ALERTS_STORE, "data"),
        State(KNOWN_STORE, "data"),
        prevent_initial_call=True,
    )
    def pop_up(alerts: list[dict[str, Any]] | None, known: list[str] | None) -> tuple[Any, list[str]]:
        """Toasts for alerts that arrived while the page is open (not for those there when it opened)."""
        alerts = alerts or []
        current = [a["alert_id"] for a in alerts]
        if known is None:
            return [], current
        before = set(known)
        new = [a for a in alerts if a["alert_id"] not in before]
        if not new:
            raise PreventUpdate
        return toasts(new), current


def _seen_ids(seen: Mapping[str, Any] | None, user: Mapping[str, Any] | None) -> set[str]:
    """The alert ids this tab's user has read (another user's reads in the same tab do not count)."""
    if not seen or not user or seen.get("user") != user.get("username"):
        return set()
    return {str(i) for i in seen.get("ids", [])}
