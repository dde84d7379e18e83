"""Live KPIs and alerts in the portal, as pure builders: the shell's stores, the notification bell, toasts
and the Overview's live tiles (``components/live_callbacks.py`` wires them to the live board).

Every ``live_refresh_ms`` the browser asks for the signed-in user's snapshot of the live board
(:meth:`pipeline.events.live.LiveBoard.snapshot`), computed on the server from the session's user, and
keeps it in ``ids.LIVE_KPI_STORE``; the bell, the toasts and the Overview's live tiles are drawn from it.
Which alerts a user has read is kept in the browser tab (session storage): opening the bell reads them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import format as fmt
from pipeline.events.live import parse_time

logger = logging.getLogger(__name__)

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
                className="live-card h-100",
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
    updated = snapshot.get("updated_at")
    when = f"last change {parse_time(str(updated)):%H:%M:%S}" if updated else "no live data yet"
    return {
        "values": {m: tile_text(m, float(today[m])) for m, _ in TILE_MEASURES},
        "status": f"Today so far (UTC) · {whose} · {when} · {fmt.currency_note()}",
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
