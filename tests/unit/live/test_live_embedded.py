"""The embedded path: events appended to the warehouse's log reach the live board through the engine, on
SQLite and PostgreSQL, and the demo day keeps events flowing."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pipeline.events.listener import DemoDay, EmbeddedSource, Listener
from pipeline.events.live import LiveBoard, Viewer
from pipeline.events.log import append, last_seq
from tests.unit.live.test_live_listener import wait_for
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse
from warehouse.schema import dim_customer, ops_batch_run

ALICE, BOB = "Alice Brown", "Bob Singh"  # customer n belongs to Alice when n is even


def event(event_id: str, kind: str, customer_key: int, payload: dict[str, Any]) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "event_id": event_id,
        "type": kind,
        "schema_version": 1,
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "customer_key": customer_key,
        "source_key": None,
        "channel": "web",
        "payload": payload,
    }


@pytest.fixture
def live_warehouse(warehouse_url: str) -> Iterator[Warehouse]:
    warehouse = build_portal_warehouse(warehouse_url)
    yield warehouse
    warehouse.engine.dispose()


def test_appended_events_reach_each_user_through_the_engine(live_warehouse: Warehouse) -> None:
    append(
        live_warehouse,
        [
            event("t-1", "order_placed", 2, {"order_id": "SO-1", "amount": 120.5, "currency": "GBP"}),
            event("t-2", "order_placed", 1, {"order_id": "SO-2", "amount": 6000, "currency": "GBP"}),
            event("t-3", "lead_created", 2, {"lead_id": "L-1", "score": 40}),
        ],
        "api",
    )
    board = LiveBoard()
    listener = Listener(EmbeddedSource(live_warehouse), board, poll_timeout=0.2)
    listener.start()
    try:
        wait_for(lambda: board.snapshot(Viewer("manager"))["today"]["events"] == 3)
        manager = board.snapshot(Viewer("manager"))
        assert manager["today"]["revenue"] == 6120.5 and manager["today"]["orders"] == 2
        assert [a["alert_id"] for a in manager["alerts"]] == ["high_value_order:t-2"]
        alice = board.snapshot(Viewer("sales_rep", ALICE))
        assert (
            alice["today"]["revenue"] == 120.5 and alice["today"]["new_leads"] == 1 and alice["alerts"] == []
        )
        bob = board.snapshot(Viewer("sales_rep", BOB))
        assert bob["today"]["revenue"] == 6000.0 and [a["rep"] for a in bob["alerts"]] == [BOB]

        append(
            live_warehouse,
            [event("t-4", "order_placed", 4, {"order_id": "SO-3", "amount": 9.99, "currency": "GBP"})],
            "api",
        )
        seconds = wait_for(
            lambda: board.snapshot(Viewer("sales_rep", ALICE))["today"]["orders"] == 2, timeout=10
        )
        assert seconds < 1.0, f"an appended order reached the board in {seconds:.2f} s"
    finally:
        listener.stop()
    assert listener.source.position == last_seq(live_warehouse)


def test_the_demo_day_keeps_several_events_a_second_flowing(tmp_path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    board = LiveBoard()
    listener = Listener(EmbeddedSource(warehouse), board, poll_timeout=0.2)
    day = DemoDay(warehouse, events_per_second=5.0, seed=3)
    listener.start()
    started = time.monotonic()
    day.start()
    try:
        wait_for(lambda: day.appended >= 10, timeout=20)
        elapsed = time.monotonic() - started
        wait_for(lambda: board.snapshot(Viewer("admin"))["today"]["events"] >= 10)
    finally:
        day.stop()
        listener.stop()
    assert day.appended / elapsed >= 1.5, f"{day.appended} events in {elapsed:.1f} s"
    assert not day.is_alive() and not listener.is_alive()


def test_a_customer_moved_to_another_rep_counts_for_the_new_rep_after_a_refresh(tmp_path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    board = LiveBoard()
    source = EmbeddedSource(warehouse, refresh_seconds=0.0)
    listener = Listener(source, board, poll_timeout=0.2)
    listener.start()
    try:
        order = {"order_id": "SO-9", "amount": 50, "currency": "GBP"}
        append(warehouse, [event("m-1", "order_placed", 1, order)], "api")  # customer 1 is Bob's
        wait_for(lambda: board.snapshot(Viewer("sales_rep", BOB))["today"]["orders"] == 1)
        move_customer_in_a_batch(warehouse, customer_key=1, rep_key=1)
        time.sleep(0.5)  # a poll or two: the customers are read again
        append(warehouse, [event("m-2", "order_placed", 1, {**order, "order_id": "SO-10"})], "api")
        wait_for(lambda: board.snapshot(Viewer("sales_rep", ALICE))["today"]["orders"] == 1)
    finally:
        listener.stop()
        warehouse.engine.dispose()
    assert board.snapshot(Viewer("sales_rep", BOB))["today"]["orders"] == 1, "Bob keeps the order from before"


def move_customer_in_a_batch(warehouse: Warehouse, customer_key: int, rep_key: int) -> None:
    """What a batch does to a customer whose rep changed: the customer row, and a finished batch run."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.begin() as conn:
        conn.execute(
            dim_customer.update().where(dim_customer.c.customer_key == customer_key).values(rep_key=rep_key)
        )
        conn.execute(
            ops_batch_run.insert().values(
                started_at=now, finished_at=now, status="succeeded", trigger="cli", input_fingerprint="moved"
            )
        )


def test_an_unchanged_warehouse_is_not_read_again_and_a_finished_batch_is(tmp_path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    source = EmbeddedSource(warehouse, refresh_seconds=0.0)
    source.open()
    reads: list[int] = []
    engine = source._engine
    assert engine is not None
    upsert = engine.upsert_customer  # type: ignore[attr-defined]
    engine.upsert_customer = lambda customer: (reads.append(customer.customer_key), upsert(customer))  # type: ignore[attr-defined]
    try:
        for _ in range(3):
            source.poll(0.0)
        assert reads == [], "no batch ended: the customers were not read again"
        with warehouse.begin() as conn:  # a direct edit is not a batch: the engine still reads the old rep
            conn.execute(dim_customer.update().where(dim_customer.c.customer_key == 1).values(rep_key=1))
        source.poll(0.0)
        assert reads == []
        move_customer_in_a_batch(warehouse, customer_key=1, rep_key=1)
        source.poll(0.0)
        assert 1 in reads and len(reads) == len(set(reads)), "every customer read once after the batch"
        reads.clear()
        source.poll(0.0)
        assert reads == []
    finally:
        source.close()
        warehouse.engine.dispose()


def test_the_portal_engine_starts_from_the_events_the_log_accepted_today(tmp_path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    midnight = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    order = {"order_id": "SO-1", "amount": 50, "currency": "GBP"}
    yesterday = midnight - dt.timedelta(hours=3)
    append(warehouse, [event("old-1", "order_placed", 1, order)], "api", now=yesterday.replace(tzinfo=None))
    append(warehouse, [event("old-2", "order_placed", 1, order)], "api", now=yesterday.replace(tzinfo=None))
    append(warehouse, [event("new-1", "order_placed", 1, order)], "api")
    source = EmbeddedSource(warehouse, start=midnight)
    board = LiveBoard()
    listener = Listener(source, board, poll_timeout=0.2)
    listener.start()
    try:
        wait_for(lambda: source.position == last_seq(warehouse))
    finally:
        listener.stop()
        warehouse.engine.dispose()
    assert (
        board.snapshot(Viewer("admin"))["today"]["orders"] == 1
    )  # the two accepted yesterday were not replayed


def test_two_portal_processes_play_one_demo_day_and_the_second_takes_over_when_the_first_stops(
    tmp_path,
) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    first = DemoDay(warehouse, events_per_second=5.0, seed=3, retry=0.2)
    first.start()
    wait_for(lambda: first.appended >= 3, timeout=20)
    second = DemoDay(warehouse, events_per_second=5.0, seed=4, retry=0.2)
    second.start()
    try:
        time.sleep(2.0)  # the second looks for the lock about ten times meanwhile
        assert second.appended == 0, "two processes played the demo day"
        first.stop()
        wait_for(lambda: second.appended >= 3, timeout=20)
    finally:
        first.stop()
        second.stop()
        warehouse.engine.dispose()
