"""The live board: today's numbers, the 30-minute series, and who may see which rows and alerts."""

from __future__ import annotations

import datetime as dt
import threading

from pipeline.events.live import SERIES_MINUTES, LiveBoard, Viewer
from tests.unit.live.records import NOW, TODAY, YESTERDAY, alert, kpi

ALICE, BOB = "Alice Brown", "Bob Singh"


def filled_board() -> LiveBoard:
    board = LiveBoard()
    board.add_kpis(
        [
            kpi(
                "1d",
                TODAY,
                revenue="700.00",
                orders=3,
                new_leads=2,
                conversions=1,
                active_customers=3,
                events=9,
            ),
            kpi("1d", TODAY, "rep", ALICE, revenue="500.00", orders=2, active_customers=2, events=5),
            kpi("1d", TODAY, "rep", BOB, revenue="200.00", orders=1, active_customers=1, events=4),
            kpi("1d", TODAY, "region", "North", revenue="700.00", orders=3, events=9),
            kpi("1d", YESTERDAY, revenue="9999.00", orders=99, events=99),
            kpi("1m", "2026-12-04T10:14:00Z", revenue="100.00", orders=1),
            kpi("1m", "2026-12-04T10:14:00Z", "rep", ALICE, revenue="100.00", orders=1),
            kpi("1m", "2026-12-04T10:15:00Z", "rep", BOB, revenue="200.00", orders=1),
            kpi("1m", "2026-12-04T09:40:00Z", revenue="55.00", orders=1),  # 35 minutes ago: off the sparkline
        ]
    )
    board.add_alerts(
        [
            alert(f"high_value_order:e-{ALICE}", ALICE),
            alert(f"high_value_order:e-{BOB}", BOB),
            alert("campaign_budget:7:80", None, rule="campaign_budget", customer_key=None),
        ]
    )
    return board


def test_a_manager_sees_todays_company_totals_every_row_and_every_alert() -> None:
    snap = filled_board().snapshot(Viewer("manager"), NOW)
    assert snap["scope"] == ["all", "all"]
    assert snap["today"] == {
        "revenue": 700.0,
        "orders": 3.0,
        "new_leads": 2.0,
        "conversions": 1.0,
        "active_customers": 3.0,
        "events": 9.0,
    }
    assert {(r["dimension"], r["dimension_value"]) for r in snap["rows"]} == {
        ("all", "all"),
        ("rep", ALICE),
        ("rep", BOB),
        ("region", "North"),
    }, "yesterday's window is not today's"
    assert [a["alert_id"] for a in snap["alerts"]] == [
        "campaign_budget:7:80",
        f"high_value_order:e-{BOB}",
        f"high_value_order:e-{ALICE}",
    ], "newest first"


def test_the_sparkline_is_the_last_30_minutes_with_quiet_minutes_as_zero() -> None:
    snap = filled_board().snapshot(Viewer("analyst"), NOW)
    series = snap["series"]
    assert len(series) == SERIES_MINUTES
    assert series[0]["minute"] == "2026-12-04T09:46:00Z" and series[-1]["minute"] == "2026-12-04T10:15:00Z"
    assert [p["revenue"] for p in series[-2:]] == [100.0, 0.0]
    assert sum(p["revenue"] for p in series) == 100.0, "the 09:40 minute is older than 30 minutes"


def test_a_sales_rep_gets_only_their_own_rows_and_alerts() -> None:
    board = filled_board()
    alice = board.snapshot(Viewer("sales_rep", ALICE), NOW)
    assert alice["scope"] == ["rep", ALICE]
    assert alice["today"]["revenue"] == 500.0 and alice["today"]["orders"] == 2.0
    assert [(r["dimension"], r["dimension_value"]) for r in alice["rows"]] == [("rep", ALICE)]
    assert [a["alert_id"] for a in alice["alerts"]] == [f"high_value_order:e-{ALICE}"]
    assert [p["revenue"] for p in alice["series"][-2:]] == [100.0, 0.0]
    assert BOB not in repr(alice), "nothing of another rep reaches a rep"

    bob = board.snapshot(Viewer("sales_rep", BOB), NOW)
    assert bob["today"]["revenue"] == 200.0
    assert [a["alert_id"] for a in bob["alerts"]] == [f"high_value_order:e-{BOB}"]
    assert ALICE not in repr(bob)


def test_a_rep_without_a_linked_rep_and_other_roles_see_little() -> None:
    board = filled_board()
    unlinked = board.snapshot(Viewer("sales_rep", None), NOW)
    assert unlinked["rows"] == [] and unlinked["alerts"] == [] and unlinked["today"]["revenue"] == 0.0
    marketing = board.snapshot(Viewer("marketing"), NOW)
    assert [a["alert_id"] for a in marketing["alerts"]] == ["campaign_budget:7:80"]
    assert [(r["dimension"]) for r in marketing["rows"]] == ["all"]
    steward = board.snapshot(Viewer("data_steward"), NOW)
    assert steward["alerts"] == [] and steward["today"]["revenue"] == 700.0


def test_updates_replace_a_windows_value_and_alerts_are_kept_once_and_bounded() -> None:
    board = LiveBoard(max_alerts=3)
    board.add_kpis([kpi("1d", TODAY, revenue="10.00", orders=1, events=1)])
    before = board.version
    board.add_kpis([kpi("1d", TODAY, revenue="25.50", orders=2, events=2)])
    assert board.version > before
    assert board.snapshot(Viewer("admin"), NOW)["today"]["revenue"] == 25.5
    board.add_kpis([kpi("1d", TODAY, revenue="10.00", orders=1, events=0)])  # replayed from the start
    assert board.snapshot(Viewer("admin"), NOW)["today"]["revenue"] == 25.5, "an older value does not win"
    assert board.add_alerts([alert("a:1", ALICE), alert("a:1", ALICE)]) == 1, (
        "a replayed alert is not repeated"
    )
    board.add_alerts([alert(f"a:{n}", ALICE) for n in range(2, 6)])
    assert [a["alert_id"] for a in board.snapshot(Viewer("admin"), NOW)["alerts"]] == ["a:5", "a:4", "a:3"]


def test_a_board_says_when_it_last_changed() -> None:
    board = LiveBoard(clock=lambda: NOW)
    assert board.snapshot(Viewer("manager"))["updated_at"] is None, "no live data yet"
    board.add_alerts([alert("a:1", ALICE)])
    assert board.snapshot(Viewer("manager"))["updated_at"] == "2026-12-04T10:15:30Z"


def test_a_bad_record_is_skipped_with_a_warning_naming_the_field(caplog) -> None:
    board = LiveBoard()
    bad = kpi("1d", TODAY)
    del bad["dimension"]
    assert board.add_kpis([bad, kpi("1d", TODAY, revenue="5.00")]) == 1
    assert "field 'dimension' must be non-empty text" in caplog.text
    assert board.add_alerts([{"rule": "x", "severity": "high"}]) == 0
    assert "field 'alert_id'" in caplog.text


def test_old_minutes_are_dropped_as_new_ones_arrive() -> None:
    board = LiveBoard()
    start = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
    for n in range(0, 180):
        minute = (start + dt.timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        board.add_kpis([kpi("1m", minute)])
    assert board.kpi("1m", "2026-12-04T08:00:00Z", "all", "all") is None
    assert board.kpi("1m", "2026-12-04T10:59:00Z", "all", "all") is not None


def test_readers_and_writers_on_many_threads_agree() -> None:
    # Room for all 800 alerts: with the default 500, a rep whose thread finished first has every alert pushed out.
    board = LiveBoard(max_alerts=800)

    def write(rep: str) -> None:
        for n in range(1, 201):
            board.add_kpis([kpi("1d", TODAY, "rep", rep, orders=n)])
            board.add_alerts([alert(f"high_value_order:{rep}-{n}", rep)])
            board.snapshot(Viewer("sales_rep", rep), NOW)

    threads = [threading.Thread(target=write, args=(f"Rep {i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        snap = board.snapshot(Viewer("sales_rep", f"Rep {i}"), NOW)
        assert snap["today"]["orders"] == 200.0
        assert {a["rep"] for a in snap["alerts"]} == {f"Rep {i}"}
