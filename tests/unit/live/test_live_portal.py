"""The live snapshot as the portal serves it: per signed-in user, through the real callbacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient

from components import ids, live_callbacks
from components import live as live_ui
from pipeline.events.live import LiveBoard
from tests.unit.live.records import NOW, TODAY, alert, kpi
from tests.unit.portal.portal_data import call_callback, portal_settings
from tests.unit.portal.portal_data import sign_in as portal_sign_in

ALICE, BOB = "Alice Brown", "Bob Singh"  # rep_key 1 (the demo sales_rep) and 2


@pytest.fixture
def board(live_app: Dash) -> LiveBoard:
    """The app's board, its clock fixed at NOW, holding both reps' numbers and alerts."""
    board = LiveBoard(clock=lambda: NOW)
    board.add_kpis(
        [
            kpi("1d", TODAY, revenue="700.00", orders=3, new_leads=2, conversions=1, active_customers=3),
            kpi("1d", TODAY, "rep", ALICE, revenue="500.00", orders=2, new_leads=1, active_customers=2),
            kpi("1d", TODAY, "rep", BOB, revenue="200.00", orders=1, conversions=1, active_customers=1),
            kpi("1m", "2026-12-04T10:15:00Z", "rep", BOB, revenue="200.00", orders=1),
        ]
    )
    board.add_alerts([alert("high_value_order:e-a", ALICE), alert("high_value_order:e-b", BOB)])
    live_callbacks.install_board(live_app.server, board)
    return board


def sign_in(app: Dash, username: str) -> FlaskClient:
    client = app.server.test_client()
    assert portal_sign_in(client, username).status_code == 303
    return client


def push(client: FlaskClient, shown: str | None = None) -> Any:
    """The interval's callback, posted as the browser posts it."""
    return call_callback(
        client,
        [(ids.LIVE_KPI_STORE, "data"), (live_ui.ALERTS_STORE, "data"), (live_ui.VERSION_STORE, "data")],
        [(live_ui.INTERVAL, "n_intervals", 3)],
        state=[(live_ui.VERSION_STORE, "data", shown)],
    )


def test_a_sales_rep_is_sent_only_their_own_numbers_and_alerts(live_app: Dash, board: LiveBoard) -> None:
    response = push(sign_in(live_app, "sales_rep"))
    assert response.status_code == 200
    snapshot = response.json["response"][ids.LIVE_KPI_STORE]["data"]
    assert snapshot["scope"] == ["rep", ALICE]
    assert snapshot["today"]["revenue"] == 500.0 and snapshot["today"]["orders"] == 2.0
    assert [a["alert_id"] for a in snapshot["alerts"]] == ["high_value_order:e-a"]
    assert [r["dimension_value"] for r in snapshot["rows"]] == [ALICE]
    assert BOB not in response.get_data(as_text=True), "no byte of Bob's numbers or alerts reaches Alice"
    assert sum(p["revenue"] for p in snapshot["series"]) == 0.0, "Bob's minute is not on Alice's sparkline"


def test_a_manager_is_sent_everything_and_nothing_again_until_it_changes(
    live_app: Dash, board: LiveBoard
) -> None:
    client = sign_in(live_app, "manager")
    first = push(client)
    snapshot = first.json["response"][ids.LIVE_KPI_STORE]["data"]
    assert snapshot["today"]["revenue"] == 700.0
    assert [a["alert_id"] for a in snapshot["alerts"]] == ["high_value_order:e-b", "high_value_order:e-a"]
    shown = first.json["response"][live_ui.VERSION_STORE]["data"]
    assert push(client, shown).status_code == 204, "an unchanged snapshot is not sent again"
    board.add_alerts([alert("high_value_order:e-c", BOB)])
    again = push(client, shown).json["response"][ids.LIVE_KPI_STORE]["data"]
    assert again["alerts"][0]["alert_id"] == "high_value_order:e-c"


def test_nobody_signed_in_gets_no_snapshot(live_app: Dash, board: LiveBoard) -> None:
    response = push(live_app.server.test_client())
    assert response.status_code == 401
    assert b"Alice" not in response.data


def test_the_shell_has_the_bell_and_the_refresh_for_a_signed_in_user(
    live_app: Dash, board: LiveBoard
) -> None:
    layout = json.dumps(sign_in(live_app, "sales_rep").get("/_dash-layout").json)
    assert live_ui.BELL in layout and live_ui.INTERVAL in layout and live_ui.TOASTS in layout
    assert '"interval": 250' in layout, "the refresh follows live_refresh_ms"


def test_the_overview_tiles_show_the_snapshot_in_the_home_currency(live_app: Dash, board: LiveBoard) -> None:
    snapshot = push(sign_in(live_app, "sales_rep")).json["response"][ids.LIVE_KPI_STORE]["data"]
    values, figures, status = live_ui.tile_outputs(snapshot)
    assert values == ["£500", "2", "1", "0", "2"]
    assert snapshot["display"]["values"]["revenue"] == "£500", "the browser draws the tiles from these texts"
    assert len(figures[0]["data"][0]["y"]) == 30
    assert "your customers" in status and "last change 10:15:30" in status
    for name in ("MEASURES", "TRACE", "LAYOUT", "WAITING"):
        assert name not in live_ui.TILES_JS, "the browser's tile function is filled in"


def test_alerts_are_sent_again_only_when_they_change(live_app: Dash, board: LiveBoard) -> None:
    client = sign_in(live_app, "manager")
    first = push(client).json["response"]
    assert [a["alert_id"] for a in first[live_ui.ALERTS_STORE]["data"]] == [
        "high_value_order:e-b",
        "high_value_order:e-a",
    ]
    board.add_kpis([kpi("1d", TODAY, revenue="800.00", orders=4)])
    second = push(client, first[live_ui.VERSION_STORE]["data"]).json["response"]
    assert second[ids.LIVE_KPI_STORE]["data"]["today"]["revenue"] == 800.0
    assert live_ui.ALERTS_STORE not in second, "unchanged alerts are not sent (the bell is not redrawn)"


def test_the_bell_counts_unread_alerts_until_opened(live_app: Dash, board: LiveBoard) -> None:
    client = sign_in(live_app, "manager")
    alerts = push(client).json["response"][live_ui.ALERTS_STORE]["data"]
    user = {"username": "manager", "full_name": "Demo Manager", "role": "manager"}
    bell_outputs = [(live_ui.BELL_COUNT, "children"), (live_ui.BELL_LIST, "children")]

    def draw(seen: Any) -> Any:
        inputs = [(live_ui.ALERTS_STORE, "data", alerts), (live_ui.SEEN_STORE, "data", seen)]
        return call_callback(client, bell_outputs, inputs, state=[(ids.USER_STORE, "data", user)]).json[
            "response"
        ]

    assert draw(None)[live_ui.BELL_COUNT]["children"] == "2"
    opened = call_callback(
        client,
        [(live_ui.BELL_POPOVER, "is_open"), (live_ui.SEEN_STORE, "data")],
        [(live_ui.BELL, "n_clicks", 1)],
        state=[
            (live_ui.BELL_POPOVER, "is_open", False),
            (live_ui.ALERTS_STORE, "data", alerts),
            (ids.USER_STORE, "data", user),
        ],
    ).json["response"]
    assert opened[live_ui.BELL_POPOVER]["is_open"] is True
    seen = opened[live_ui.SEEN_STORE]["data"]
    assert "high_value_order" not in json.dumps(seen), "the tab keeps digests, not alert ids"
    assert draw(seen)[live_ui.BELL_COUNT]["children"] == ""
    assert draw({**seen, "user": "analyst"})[live_ui.BELL_COUNT]["children"] == "2", "reads are per user"


def test_new_alerts_pop_up_once_and_those_present_at_opening_do_not(live_app: Dash, board: LiveBoard) -> None:
    client = sign_in(live_app, "manager")
    alerts = push(client).json["response"][live_ui.ALERTS_STORE]["data"]
    outputs = [(live_ui.TOASTS, "children"), (live_ui.KNOWN_STORE, "data")]

    def pop(known: Any) -> Any:
        return call_callback(
            client,
            outputs,
            [(live_ui.ALERTS_STORE, "data", alerts)],
            state=[(live_ui.KNOWN_STORE, "data", known)],
        )

    first = pop(None).json["response"]
    assert first[live_ui.TOASTS]["children"] == []
    known = first[live_ui.KNOWN_STORE]["data"]
    assert pop(known).status_code == 204
    board.add_alerts([alert("high_value_order:e-new", BOB)])
    alerts = push(client).json["response"][live_ui.ALERTS_STORE]["data"]
    toasts = pop(known).json["response"][live_ui.TOASTS]["children"]
    assert len(toasts) == 1 and "high_value_order:e-new" in json.dumps(toasts)


def test_the_live_feed_starts_once_in_the_process_that_serves(monkeypatch, tmp_path) -> None:
    from app import _live_wanted

    settings = portal_settings(tmp_path)
    assert not _live_wanted(None, settings), "not under pytest unless asked"
    assert _live_wanted(True, settings)
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    assert _live_wanted(None, settings), "a served portal starts it"
    debug = settings.model_copy(update={"debug": True})
    assert not _live_wanted(None, debug), "the debug reloader's watching parent does not"
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert _live_wanted(None, debug), "its serving child does"
