"""Streaming series on the portal's /metrics, measured against the real broker: lag, throughput, the outbox relay."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ops import streaming
from ops.metrics import REGISTRY, install_web
from pipeline.events.broker import LocalKafka, TopicSpec, create_topics
from pipeline.events.kafka_io import JsonProducer, encode, read_to_end
from pipeline.events.listener import KafkaSource, Listener
from pipeline.events.live import LiveBoard
from pipeline.events.outbox import relay_to_kafka
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import dim_customer

N = 30


def kpi(i: int) -> dict[str, object]:
    """A one-hour KPI record of one rep (each its own key, so the board takes every one)."""
    return {
        "window": "1h",
        "window_start": "2026-12-05T07:00:00Z",
        "window_end": "2026-12-05T08:00:00Z",
        "dimension": "rep",
        "dimension_value": f"rep-{i}",
        "revenue": 10.0 * i,
        "orders": i,
        "new_leads": 0,
        "conversions": 0,
        "active_customers": 1,
        "events": i + 1,
    }


def wait_for(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Whether ``check()`` came true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(warehouse: Warehouse) -> str:
    """The text Prometheus would read from the portal's /metrics."""
    server = Flask(__name__)
    install_web(server, warehouse)
    response = server.test_client().get("/metrics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_lag_shows_what_the_listener_has_not_read_and_falls_to_zero_once_it_has(
    kafka: LocalKafka, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    now = [1_800_000_000.0]
    monkeypatch.setattr(streaming, "clock", lambda: now[0])
    prefix = f"c360.t{uuid.uuid4().hex[:8]}"
    kpis, alerts = f"{prefix}.kpis", f"{prefix}.alerts"
    create_topics(kafka.bootstrap, {kpis: TopicSpec(3), alerts: TopicSpec(1)})
    with JsonProducer(kafka.bootstrap) as producer:
        for i in range(N):
            producer.produce(kpis, f"rep-{i}", encode(kpi(i)))
    assert sample("c360_stream_events_produced_total", topic=kpis) == N

    source = KafkaSource(kafka.bootstrap, prefix, lag_interval=0.2)
    source.open()  # subscribed, nothing read yet
    try:
        assert wait_for(lambda: streaming.lag_of(kpis) == N), streaming.lag_of(kpis)
        assert streaming.lag_of(alerts) == 0
        partitions = [sample("c360_stream_consumer_lag", topic=kpis, partition=str(p)) for p in range(3)]
        assert sum(partitions) == N and max(partitions) < N  # measured per partition, keys spread over them
    finally:
        source.close()

    board = LiveBoard()
    listener = Listener(source, board, poll_timeout=0.2)
    listener.start()
    try:
        assert wait_for(lambda: listener.records == N), listener.records
        assert wait_for(lambda: streaming.lag_of(kpis) == 0), streaming.lag_of(kpis)
    finally:
        listener.stop()
    assert sample("c360_stream_events_consumed_total", topic=kpis) == N
    now[0] += 42.0
    text = scrape(warehouse)
    warehouse.engine.dispose()
    assert f'c360_stream_seconds_since_last_event{{topic="{kpis}"}} 42.0' in text
    for partition in range(3):
        assert f'c360_stream_consumer_lag{{partition="{partition}",topic="{kpis}"}} 0.0' in text


def test_the_outbox_backlog_drains_and_the_produced_counter_counts_what_the_relay_sent(
    kafka: LocalKafka, tmp_path: Path
) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    streaming.watch_outbox(warehouse)
    topic = "c360.cdc.dim_customer"
    produced = sample("c360_stream_events_produced_total", topic=topic)
    relayed = sample("c360_outbox_relayed_total", table="dim_customer")
    with warehouse.begin() as conn:
        for key in range(1, 21):
            conn.execute(
                dim_customer.insert().values(
                    customer_key=key, name=f"Shop {key}", is_customer=True, source_count=1, completeness=0.4
                )
            )
    assert sample("c360_outbox_backlog") == 20
    assert "c360_outbox_backlog 20.0" in scrape(warehouse)

    stop = threading.Event()
    relay = threading.Thread(target=relay_to_kafka, args=(warehouse, kafka.bootstrap, stop), daemon=True)
    relay.start()
    try:
        assert wait_for(lambda: sample("c360_outbox_backlog") == 0, 60), sample("c360_outbox_backlog")
        assert wait_for(lambda: sample("c360_outbox_relayed_total", table="dim_customer") - relayed == 20)
    finally:
        stop.set()
        relay.join(30)
        warehouse.engine.dispose()
    assert sample("c360_stream_events_produced_total", topic=topic) - produced == 20
    keys = {r.key for r in read_to_end(kafka.bootstrap, topic)}
    assert {str(k).encode() for k in range(1, 21)} <= keys
