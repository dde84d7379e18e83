"""The listener thread and its Kafka source against a real broker: committed records reach the board."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import Producer

from app import create_app, stop_live
from components import ids
from components import live as live_ui
from pipeline.events.broker import LocalKafka, TopicSpec, create_topics
from pipeline.events.listener import Batch, KafkaSource, Listener, consumer_config
from pipeline.events.live import LiveBoard, Viewer
from tests.unit.live.records import NOW, TODAY, alert, kpi
from tests.unit.portal.portal_data import build_portal_warehouse, call_callback, portal_settings
from tests.unit.portal.portal_data import sign_in as portal_sign_in

WAIT = 30.0


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> float:
    """Seconds until ``condition`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def produce(bootstrap: str, records: list[tuple[str, str, bytes]], *, commit: bool = True) -> None:
    """Write (topic, key, value) records in one transaction, committed or aborted."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"test-{time.monotonic_ns()}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    for topic, key, value in records:
        producer.produce(topic, value, key.encode())
    producer.flush(30)
    if commit:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)


def test_every_replica_gets_every_committed_kpi_and_alert_from_kafka(kafka: LocalKafka, caplog) -> None:
    prefix = f"t{time.monotonic_ns()}"
    create_topics(kafka.bootstrap, {f"{prefix}.kpis": TopicSpec(6), f"{prefix}.alerts": TopicSpec(1)})
    today = kpi("1d", TODAY, revenue="120.50", orders=2, events=3)
    produce(
        kafka.bootstrap,
        [
            (
                f"{prefix}.kpis",
                "1d|x|all|all",
                json.dumps(kpi("1d", TODAY, revenue="60.00", orders=1)).encode(),
            ),
            (f"{prefix}.kpis", "1d|x|all|all", json.dumps(today).encode()),
            (f"{prefix}.alerts", "a1", json.dumps(alert("high_value_order:e-1", "Ann Lee")).encode()),
            (f"{prefix}.alerts", "junk", b"{not json"),
        ],
    )
    produce(
        kafka.bootstrap,
        [(f"{prefix}.alerts", "a2", json.dumps(alert("high_value_order:e-aborted", "Ann Lee")).encode())],
        commit=False,
    )
    produce(
        kafka.bootstrap,
        [(f"{prefix}.alerts", "a3", json.dumps(alert("high_value_order:e-3", "Bo")).encode())],
    )

    boards = [LiveBoard(clock=lambda: NOW), LiveBoard(clock=lambda: NOW)]
    listeners = [Listener(KafkaSource(kafka.bootstrap, prefix), b, poll_timeout=0.2) for b in boards]
    assert listeners[0].source.group != listeners[1].source.group, "each replica has a group of its own"
    for listener in listeners:
        listener.start()
    try:
        for board in boards:
            seconds = wait_for(lambda b=board: len(b.snapshot(Viewer("manager"))["alerts"]) == 2)
            snap = board.snapshot(Viewer("manager"))
            assert snap["today"]["revenue"] == 120.5 and snap["today"]["orders"] == 2.0, (
                "the newest value wins"
            )
            assert [a["alert_id"] for a in snap["alerts"]] == ["high_value_order:e-3", "high_value_order:e-1"]
            assert seconds < WAIT
        # A record produced while listening arrives too.
        produce(
            kafka.bootstrap,
            [(f"{prefix}.alerts", "a4", json.dumps(alert("high_value_order:e-4", "Bo")).encode())],
        )
        started = time.monotonic()
        for board in boards:
            wait_for(lambda b=board: len(b.snapshot(Viewer("manager"))["alerts"]) == 3, timeout=10)
        seconds = time.monotonic() - started
        print(f"\nKafka alert produced -> both replicas' boards: {seconds:.3f} s")
        assert seconds < 5, "a live alert reaches the portal within the 5 s the requirement allows"
    finally:
        for listener in listeners:
            listener.stop()
    assert not any(listener.is_alive() for listener in listeners)
    assert f"skipped {prefix}.alerts[0]@" in caplog.text and "not JSON" in caplog.text, (
        "a bad record is named"
    )


def test_consumer_reads_committed_records_from_the_start() -> None:
    config = consumer_config("127.0.0.1:9092", "g")
    assert config["auto.offset.reset"] == "earliest"
    assert config["isolation.level"] == "read_committed"


class FlakySource:
    """A source whose first ``failures`` polls raise, then gives one batch per poll."""

    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.opened = 0
        self.closed = 0

    def open(self) -> None:
        self.opened += 1

    def poll(self, timeout: float) -> Batch:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker went away")
        time.sleep(min(timeout, 0.01))
        return Batch(kpis=[kpi("1d", TODAY, orders=self.opened)])

    def close(self) -> None:
        self.closed += 1


def test_a_failing_source_is_reopened_with_growing_pauses_and_the_board_fills(caplog) -> None:
    source = FlakySource(failures=3)
    board = LiveBoard()
    listener = Listener(source, board, backoff=(0.01, 0.04))
    listener.start()
    try:
        wait_for(lambda: board.kpi("1d", TODAY, "all", "all") is not None, timeout=10)
    finally:
        listener.stop()
    assert source.opened == 4 and source.closed == 4
    assert listener.failures == 3 and listener.last_error == "ConnectionError: broker went away"
    assert caplog.text.count("reopening in") == 3
    assert "reopening in 0.0 s" in caplog.text  # 0.01, 0.02, 0.04: capped at the second figure
    assert not listener.is_alive()


def test_the_portal_configured_for_kafka_shows_what_the_topics_hold(kafka: LocalKafka, tmp_path) -> None:
    prefix = f"p{time.monotonic_ns()}"
    create_topics(kafka.bootstrap, {f"{prefix}.kpis": TopicSpec(6), f"{prefix}.alerts": TopicSpec(1)})
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT00:00:00Z")
    produce(
        kafka.bootstrap,
        [
            (
                f"{prefix}.kpis",
                "k",
                json.dumps(kpi("1d", today, revenue="321.00", orders=3, events=5)).encode(),
            ),
            (f"{prefix}.alerts", "a", json.dumps(alert("high_value_order:k-1", "Bob Singh")).encode()),
        ],
    )
    settings = portal_settings(tmp_path / "var").model_copy(
        update={"kafka_bootstrap": kafka.bootstrap, "kafka_topic_prefix": prefix, "live_demo": False}
    )
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(settings, warehouse, live=True)
    try:
        client = app.server.test_client()
        assert portal_sign_in(client, "manager").status_code == 303

        def snapshot() -> dict[str, Any]:
            response = call_callback(
                client,
                [
                    (ids.LIVE_KPI_STORE, "data"),
                    (live_ui.ALERTS_STORE, "data"),
                    (live_ui.VERSION_STORE, "data"),
                ],
                [(live_ui.INTERVAL, "n_intervals", 1)],
                state=[(live_ui.VERSION_STORE, "data", None)],
            )
            return dict(response.json["response"][ids.LIVE_KPI_STORE]["data"])

        wait_for(lambda: snapshot()["today"]["orders"] == 3)
        assert [a["alert_id"] for a in snapshot()["alerts"]] == ["high_value_order:k-1"]
    finally:
        stop_live()
        warehouse.engine.dispose()
