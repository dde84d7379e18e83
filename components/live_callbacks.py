"""The portal's live callbacks: the signed-in user's snapshot every refresh, the bell, and toasts for new
alerts; and the live board the app holds (``components/live.py`` builds what they show)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask import Flask, current_app

from components import ids
from components.access import current_portal_user
from components.context import current_portal
from components.live import (
    ALERTS_STORE,
    BELL,
    BELL_COUNT,
    BELL_LIST,
    BELL_POPOVER,
    INTERVAL,
    KNOWN_STORE,
    SEEN_STORE,
    TOASTS,
    VERSION_STORE,
    alert_items,
    read_mark,
    tile_display,
    toasts,
    unread_count,
)
from pipeline.events.live import LiveBoard, Viewer
from warehouse.engine import Warehouse
from warehouse.schema import dim_sales_rep
from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

BOARD_EXTENSION = "customer360.live"
REP_NAME_SECONDS = 60.0


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
        if not isinstance(shown, str):
            shown = None  # the page's own store holds text; anything else was posted by hand
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
        alerts = _alerts(alerts)
        read = _seen_ids(_mapping(seen), _mapping(user))
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
        alerts = _alerts(alerts)
        username = _mapping(user).get("username")
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
        alerts = _alerts(alerts)
        current = [a["alert_id"] for a in alerts]
        if not isinstance(known, list):
            return [], current
        before = set(known)
        new = [a for a in alerts if a["alert_id"] not in before]
        if not new:
            raise PreventUpdate
        return toasts(new), current


def _alerts(value: Any) -> list[dict[str, Any]]:
    """The alerts a store holds; anything of another shape (posted by hand, not by the page) is left out."""
    if not isinstance(value, list):
        return []
    return [a for a in value if isinstance(a, dict) and isinstance(a.get("alert_id"), str)]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _seen_ids(seen: Mapping[str, Any] | None, user: Mapping[str, Any] | None) -> set[str]:
    """The alert ids this tab's user has read (another user's reads in the same tab do not count)."""
    if not seen or not user or seen.get("user") != user.get("username"):
        return set()
    return {str(i) for i in seen.get("ids", [])}
