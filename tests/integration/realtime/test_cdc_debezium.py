"""Warehouse changes reach Kafka: Debezium reads PostgreSQL's log and each customer insert, update and delete arrives."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from pipeline.events.broker import LocalKafka
from pipeline.events.connect import DebeziumConnect, cdc_topic
from warehouse.engine import Warehouse
from warehouse.schema import dim_customer

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture()
def capture(
    kafka: LocalKafka, pg_database: str, tmp_path: Path
) -> Iterator[tuple[DebeziumConnect, Warehouse]]:
    """A warehouse on PostgreSQL with Debezium capturing its customers and campaigns."""
    warehouse = Warehouse.from_url(pg_database)
    warehouse.create_all()
    connect = DebeziumConnect(
        tmp_path / "connect", kafka.bootstrap, pg_database, slot=f"c360_{uuid.uuid4().hex[:12]}"
    )
    try:
        connect.start(timeout=120)
        yield connect, warehouse
    finally:
        connect.stop()
        connect.drop_slot()  # before the database is dropped: a slot keeps it in use
        warehouse.engine.dispose()


def next_value(consumer: Consumer, timeout: float = 30.0) -> tuple[dict[str, Any] | None, float]:
    """The next record's value (None for a tombstone) and when it arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = consumer.poll(0.01)
        if msg is None:
            continue
        assert msg.error() is None, msg.error()
        return (None if msg.value() is None else json.loads(msg.value())), time.monotonic()
    raise AssertionError(f"no change record within {timeout:.0f} s")


def customer(key: int, name: str) -> dict[str, Any]:
    return {"customer_key": key, "name": name, "is_customer": True, "source_count": 1, "completeness": 0.5}


def test_customer_insert_update_and_delete_each_reach_kafka_within_two_seconds(
    capture: tuple[DebeziumConnect, Warehouse], kafka: LocalKafka
) -> None:
    connect, warehouse = capture
    consumer = Consumer(
        {
            "bootstrap.servers": kafka.bootstrap,
            "group.id": f"cdc-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(cdc_topic("dim_customer"), 0, OFFSET_BEGINNING)])
    try:
        # The first change proves the capture is streaming; it is not timed.
        with warehouse.begin() as conn:
            conn.execute(dim_customer.insert(), [customer(1, "Warm Up Ltd")])
        first, _ = next_value(consumer, timeout=60)
        assert first is not None and first["op"] == "c" and first["after"]["name"] == "Warm Up Ltd"

        latencies = {}
        changes = {
            "c": dim_customer.insert().values(customer(2, "Acme Trading")),
            "u": dim_customer.update()
            .where(dim_customer.c.customer_key == 2)
            .values(name="Acme Trading plc"),
            "d": dim_customer.delete().where(dim_customer.c.customer_key == 2),
        }
        records = {}
        for op, statement in changes.items():
            with warehouse.begin() as conn:
                conn.execute(statement)
            committed = time.monotonic()
            value, arrived = next_value(consumer)
            assert value is not None
            records[op], latencies[op] = value, arrived - committed
        tombstone, _ = next_value(consumer)
    finally:
        consumer.close()

    assert {op: r["op"] for op, r in records.items()} == {"c": "c", "u": "u", "d": "d"}
    assert records["c"]["after"]["name"] == "Acme Trading" and records["c"]["before"] is None
    assert records["u"]["after"]["name"] == "Acme Trading plc"
    assert records["d"]["before"]["customer_key"] == 2 and records["d"]["after"] is None
    assert all(r["source"]["table"] == "dim_customer" for r in records.values())
    assert tombstone is None  # compaction then forgets the deleted customer
    print("CDC latency ms:", {op: round(seconds * 1000) for op, seconds in latencies.items()})
    assert max(latencies.values()) < 2.0, latencies
