"""``/api/v1/stream`` over real HTTP: KPI and alert snapshots as Server-Sent Events, within the caller's scope."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from app import create_app
from components.live_callbacks import install_board
from pipeline.events.live import LiveBoard
from tests.unit.api.api_helpers import Clock, api_settings
from tests.unit.portal.portal_data import PASSWORD, build_portal_warehouse


def _next_event(lines: Any, until: Any = lambda _e: True) -> dict[str, Any]:
    """The next snapshot event of an open stream for which ``until`` holds."""
    for line in lines:
        if line.startswith("data: "):
            event: dict[str, Any] = json.loads(line.removeprefix("data: "))
            if until(event):
                return event
    raise AssertionError("the stream ended first")


def test_a_rep_sees_their_own_kpis_and_alerts_pushed_as_they_change(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(api_settings(tmp_path), warehouse, Clock(), live=False)
    board = LiveBoard()
    install_board(app.server, board)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "sales_rep", "password": PASSWORD}, timeout=30
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with requests.get(
            f"{base}/api/v1/stream?seconds=20", headers=headers, stream=True, timeout=30
        ) as stream:
            assert stream.status_code == 200 and stream.headers["Content-Type"].startswith(
                "text/event-stream"
            )
            lines = stream.iter_lines(decode_unicode=True)
            first = _next_event(lines)
            assert first["scope"] == ["rep", "Alice Brown"] and first["alerts"] == []
            day = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime())
            kpi = {
                "window": "1d",
                "window_start": day,
                "dimension": "rep",
                "revenue": 500.0,
                "orders": 2,
                "events": 2,
            }
            board.add_kpis(
                [
                    kpi | {"dimension_value": "Alice Brown"},
                    kpi | {"dimension_value": "Bob Singh", "revenue": 900.0},
                ]
            )
            board.add_alerts(
                [
                    {
                        "alert_id": "a1",
                        "rule": "big_order",
                        "severity": "info",
                        "rep": "Alice Brown",
                        "at": day,
                    },
                    {
                        "alert_id": "a2",
                        "rule": "big_order",
                        "severity": "info",
                        "rep": "Bob Singh",
                        "at": day,
                    },
                ]
            )
            latest = _next_event(lines, lambda e: bool(e["alerts"]) and e["today"]["revenue"] > 0)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert latest["today"]["revenue"] == 500.0  # her numbers, not Bob's
    assert {r["dimension_value"] for r in latest["rows"]} == {"Alice Brown"}
    assert [a["alert_id"] for a in latest["alerts"]] == ["a1"]


def test_the_stream_needs_a_token(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    client = create_app(api_settings(tmp_path), warehouse, Clock(), live=False).server.test_client()
    answer = client.get("/api/v1/stream")
    assert answer.status_code == 401 and answer.json["error"]["code"] == 401
