"""The live listener's throughput on /metrics: the embedded demo day plays, the listener consumes, the count grows."""

from __future__ import annotations

import time
from pathlib import Path

from app import create_app, stop_live
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings


def _value(text: str, name: str, source: str) -> float | None:
    """The sample of ``name`` whose source label names ``source`` (other tests' listeners have lines too)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and source in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_the_records_the_live_listener_consumes(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(portal_settings(tmp_path), warehouse, live=True)
    client = app.server.test_client()
    try:
        deadline = time.monotonic() + 60
        consumed = None
        while time.monotonic() < deadline:
            text = client.get("/metrics").get_data(as_text=True)
            consumed = _value(text, "c360_stream_records_consumed_total", str(tmp_path))
            if consumed:
                break
            time.sleep(0.5)
        assert consumed and consumed > 0, "the listener consumed nothing within 60 s"
        assert _value(text, "c360_stream_listener_up", str(tmp_path)) == 1.0
    finally:
        stop_live()
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "c360_stream_listener_up", str(tmp_path)) == 0.0  # a stopped listener shows as down
