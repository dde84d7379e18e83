"""Live KPIs and alerts in a real browser, on the embedded path: the demo day plays into the warehouse's event
log, the engine inside the portal counts it, and the Overview's tiles, the bell and the toasts follow.

A manager watches today's numbers move and a high-value order pop up; a sales rep sees their own customer's
alert and never another rep's. The time from an event's append to its count in the browser's store is
measured over every event the browser saw (p50/p99 printed).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dash.testing.wait import until

from app import create_app, stop_live
from components import ids
from components import live as live_ui
from pipeline.events.log import append
from tests.e2e.browser import screenshot, sign_in, sign_out, viewport
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings
from warehouse.engine import Warehouse, WarehouseError
from warehouse.schema import evt_log

ALICE_CUSTOMER, BOB_CUSTOMER = 2, 1  # the demo sales_rep is Alice Brown; customer n is Alice's when n is even
TILES = [m for m, _ in live_ui.TILE_MEASURES]
MEASURED = 40  # events timed from append to the browser's store

# Records every change of the live store in the page: [browser time in ms, today's event count, alert ids].
WATCH_STORE = """
clearInterval(window.__liveWatch);
window.__liveSeen = [];
let last = null;
window.__liveWatch = setInterval(() => {
  const s = window.store && window.store.getState();
  const path = s && s.paths && s.paths.strs && s.paths.strs[arguments[0]];
  if (!path) return;
  let node = s.layout;
  for (const k of path) node = node && node[k];
  const data = node && node.props && node.props.data;
  if (data && data !== last) {
    last = data;
    window.__liveSeen.push([Date.now(), data.today.events, data.alerts.map(a => a.alert_id)]);
  }
}, 5);
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts(dash_duo) -> dict[str, str]:
    script = "return arguments[0].map(i => (document.getElementById(i) || {}).innerText || '');"
    values = dash_duo.driver.execute_script(script, [live_ui.tile_value_id(m) for m in TILES])
    return dict(zip(TILES, values, strict=True))


def _bell(dash_duo) -> int:
    text = dash_duo.driver.execute_script(f"return document.getElementById('{live_ui.BELL_COUNT}').innerText")
    return int(text or 0)


def _seen(dash_duo) -> list[list[Any]]:
    return list(dash_duo.driver.execute_script("return window.__liveSeen || []"))


def _order(event_id: str, customer_key: int, amount: float) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "event_id": event_id,
        "type": "order_placed",
        "schema_version": 1,
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "customer_key": customer_key,
        "source_key": None,
        "channel": "phone",
        "payload": {"order_id": event_id, "amount": amount, "currency": "GBP"},
    }


def _append(warehouse: Warehouse, events: list[dict[str, Any]]) -> None:
    """Append beside the playing demo day; two SQLite appends at once can collide on the timeline
    projection, and an append is idempotent, so a collision is tried again."""
    for attempt in range(3):
        try:
            append(warehouse, events, "api")
            return
        except WarehouseError:
            if attempt == 2:
                raise
            time.sleep(0.2)


def _latencies(warehouse: Warehouse, seen: list[list[Any]]) -> list[float]:
    """Seconds from each of today's events' append to the first store holding its count (log order)."""
    day = dt.datetime.now(dt.UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    appended = warehouse.rows(
        sa.select(evt_log.c.recorded_at).where(evt_log.c.occurred_at >= day).order_by(evt_log.c.seq)
    )
    first_count = int(seen[0][1])
    latencies = []
    for k, row in enumerate(appended, start=1):
        if k <= first_count:
            continue  # counted before the page was watching
        arrival = next((t for t, count, _ in seen if count >= k), None)
        if arrival is None:
            break
        recorded = row["recorded_at"].replace(tzinfo=dt.UTC).timestamp()
        latencies.append(arrival / 1000 - recorded)
    return latencies


@pytest.fixture
def live_portal(dash_duo, tmp_path: Path) -> Iterator[tuple[Any, Warehouse]]:
    """The embedded demo (demo day playing, engine in the portal) on the portal fixture warehouse."""
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    settings = portal_settings(tmp_path / "var")
    assert settings.live_demo and not settings.kafka_bootstrap, "the embedded demo plays its day"
    try:
        dash_duo.start_server(create_app(settings, warehouse, live=True), port=_free_port())
        viewport(dash_duo, 1440, 900, mobile=False)
        yield dash_duo, warehouse
    finally:
        stop_live()
        warehouse.engine.dispose()


@pytest.mark.browser
def test_live_tiles_bell_and_toasts_move_for_a_manager_and_a_sales_rep(
    live_portal: tuple[Any, Warehouse], tmp_path: Path
) -> None:
    dash_duo, warehouse = live_portal
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    # A manager: today's company numbers fill in and move while the demo day plays.
    sign_in(dash_duo, "manager")
    until(lambda: _texts(dash_duo)["revenue"] not in ("", "—"), timeout=15)
    before, bell_before = _texts(dash_duo), _bell(dash_duo)
    shot = screenshot(dash_duo, shots, "live-manager-before.png")
    _append(warehouse, [_order("probe-alice", ALICE_CUSTOMER, 7500.0)])
    # Within a few seconds; a loaded machine (the test processes beside this one) may take longer.
    until(
        lambda: dash_duo.find_elements(f"#{live_ui.TOASTS} [data-alert-id='high_value_order:probe-alice']"),
        15,
    )
    until(lambda: _bell(dash_duo) > bell_before, timeout=5)
    after = _texts(dash_duo)
    moved = screenshot(dash_duo, shots, "live-manager-after.png")
    assert after["revenue"] != before["revenue"] and after["orders"] != before["orders"], (
        f"tiles did not move: {before} -> {after}; see {shot} and {moved}"
    )
    assert "all customers" in dash_duo.find_element(f"#{live_ui.TILES_STATUS}").text
    # Numbers keep moving with the demo day alone; the manager's store counts every event, so it times them.
    until(lambda: _texts(dash_duo) != after, timeout=10)
    dash_duo.driver.execute_script(
        WATCH_STORE, ids.LIVE_KPI_STORE
    )  # timed from here, away from screenshots (they stall the page)
    until(lambda: _seen(dash_duo), timeout=5)
    until(lambda: len(_latencies(warehouse, _seen(dash_duo))) >= MEASURED, timeout=30)
    latencies = _latencies(warehouse, _seen(dash_duo))

    # The bell's list holds the alert; opening it reads everything.
    unread = _bell(dash_duo)
    dash_duo.find_element(f"#{live_ui.BELL}").click()
    dash_duo.wait_for_element(f"#{live_ui.BELL_LIST} [data-alert-id='high_value_order:probe-alice']")
    until(lambda: _bell(dash_duo) < unread, timeout=5)
    screenshot(dash_duo, shots, "live-manager-bell.png")
    assert dash_duo.get_logs() == [], "no browser console errors for the manager"

    # A sales rep (Alice Brown): her own customers' numbers and alerts, never Bob's.
    sign_out(dash_duo)
    sign_in(dash_duo, "sales_rep")
    dash_duo.driver.execute_script(WATCH_STORE, ids.LIVE_KPI_STORE)
    until(lambda: "your customers" in dash_duo.find_element(f"#{live_ui.TILES_STATUS}").text, timeout=15)
    until(lambda: _seen(dash_duo), timeout=5)
    rep_before, rep_bell = _texts(dash_duo), _bell(dash_duo)
    shot = screenshot(dash_duo, shots, "live-rep-before.png")
    _append(
        warehouse,
        [_order("probe-bob", BOB_CUSTOMER, 8000.0), _order("probe-alice-2", ALICE_CUSTOMER, 6000.0)],
    )
    dash_duo.wait_for_element(
        f"#{live_ui.TOASTS} [data-alert-id='high_value_order:probe-alice-2']", timeout=15
    )
    until(lambda: _bell(dash_duo) > rep_bell, timeout=5)
    time.sleep(1.5)  # another refresh or two, so Bob's alert would have arrived by now
    moved = screenshot(dash_duo, shots, "live-rep-after.png")
    rep_after = _texts(dash_duo)
    assert rep_after["revenue"] != rep_before["revenue"], (
        f"{rep_before} -> {rep_after}; see {shot} and {moved}"
    )
    seen_ids = {alert_id for _, _, alerts in _seen(dash_duo) for alert_id in alerts}
    assert "high_value_order:probe-alice-2" in seen_ids
    assert "high_value_order:probe-bob" not in seen_ids and "high_value_order:probe-alice" in seen_ids, (
        f"a rep's store holds only her own alerts: {sorted(seen_ids)}; see {moved}"
    )
    assert "probe-bob" not in dash_duo.driver.page_source

    # On a phone the bell stays in sight beside the menu button, and nothing is wider than the screen.
    viewport(dash_duo, 375, 812, mobile=True)
    until(lambda: dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= 375, 5)
    phone = screenshot(dash_duo, shots, "live-rep-phone.png")
    assert dash_duo.find_element(f"#{live_ui.BELL}").is_displayed(), (
        f"the bell is hidden on a phone; see {phone}"
    )
    assert dash_duo.get_logs() == [], "no browser console errors for the sales rep"

    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p99 = statistics.median(latencies), cuts[98]
    print(f"\nevent appended -> browser store: {len(latencies)} events, p50 {p50:.3f} s, p99 {p99:.3f} s")
    print("sorted:", " ".join(f"{x:.2f}" for x in sorted(latencies)))
    assert p99 < 5.0, f"the requirement is under 5 s: p50 {p50:.2f} s, p99 {p99:.2f} s"
