"""End to end on Kafka: 100,000 events through the Streams application give the KPIs SQL computes, and a crash of the
application in the middle of a batch loses nothing and counts nothing twice."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from pipeline.events import kpis_by_sql
from pipeline.events.broker import (
    ALERTS_TOPIC,
    CAMPAIGNS_TOPIC,
    CUSTOMERS_TOPIC,
    DLQ_TOPIC,
    EVENTS_TOPIC,
    KPIS_TOPIC,
    TOPICS,
    LocalKafka,
)
from pipeline.events.engine import StreamEngine
from pipeline.events.kafka_io import EventProducer, JsonProducer, read_to_end
from pipeline.events.records import Campaign, Customer
from tests.integration.realtime import generate
from tests.integration.realtime.streams_app import StreamsApp, build_jar

pytestmark = pytest.mark.slow

FIRST, SECOND = 100_000, 20_000
RULES = ("high_value_order", "churn_risk_active", "negative_mention", "lead_score_crossed", "campaign_budget")
ORDER_FREE_RULES = ("high_value_order", "churn_risk_active", "negative_mention", "campaign_budget")
DAY_TOTAL = "1d|2026-12-04T00:00:00Z|all|all"
SETTINGS = {
    # A restarted instance takes over once the killed one's group session has expired (45 s by default).
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "1500",
    # Small changelog segments the broker compacts early: a restart restores thousands of totals, not 1.2 million.
    "topic.segment.bytes": str(1024 * 1024),
    "topic.min.cleanable.dirty.ratio": "0.1",
}


class KpiTail:
    """Follows ``c360.kpis`` (committed records only), keeping the last value of every key."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"kpi-tail-{uuid.uuid4().hex}",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
            }
        )
        partitions = TOPICS[KPIS_TOPIC].partitions
        self.consumer.assign([TopicPartition(KPIS_TOPIC, p, OFFSET_BEGINNING) for p in range(partitions)])
        self.last: dict[bytes, bytes] = {}
        self.read = 0

    def poll(self, seconds: float = 0.3) -> None:
        for msg in self.consumer.consume(10_000, seconds):
            if msg.error() is None:
                self.last[msg.key()] = msg.value()
                self.read += 1
            elif msg.error().code() != KafkaError._PARTITION_EOF:
                raise AssertionError(msg.error())

    def day_events(self) -> int:
        value = self.last.get(DAY_TOTAL.encode())
        return 0 if value is None else int(json.loads(value)["events"])

    def records(self) -> dict[str, dict[str, Any]]:
        return {key.decode(): json.loads(value) for key, value in self.last.items()}

    def wait_for(
        self, expected: dict[str, dict[str, Any]], total: int, timeout: float
    ) -> dict[str, dict[str, Any]]:
        """Read until the topic's last values equal ``expected``; returns them (unequal when the time is up)."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if self.day_events() >= total:
                self.poll(1.0)  # the other keys' last updates of the same commits
                records = self.records()
                if records == expected or time.monotonic() > deadline:
                    return records
            elif time.monotonic() > deadline:
                return self.records()

    def close(self) -> None:
        self.consumer.close()


def describe(actual: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> str:
    wrong = [k for k in expected if actual.get(k) != expected[k]]
    extra = [k for k in actual if k not in expected]
    first = wrong[0] if wrong else None
    return (
        f"{len(wrong)} of {len(expected)} KPI keys differ, {len(extra)} unexpected; "
        f"first: {first} streams={actual.get(first) if first else None} sql={expected.get(first) if first else None}"
    )


@pytest.fixture()
def streams(kafka: LocalKafka, tmp_path: Path) -> Iterator[StreamsApp]:
    app = StreamsApp(
        build_jar(), kafka.bootstrap, tmp_path / "streams", f"c360-e2e-{uuid.uuid4().hex[:6]}", SETTINGS
    )
    try:
        yield app
    finally:
        app.stop()


def test_streams_kpis_equal_sql_and_a_killed_processor_counts_every_event_exactly_once(
    kafka: LocalKafka, streams: StreamsApp
) -> None:
    people = generate.customers(200)
    customers = {c["customer_key"]: c for c in people}
    with JsonProducer(kafka.bootstrap) as producer:
        producer.publish(CUSTOMERS_TOPIC, people, "customer_key")
        producer.publish(CAMPAIGNS_TOPIC, generate.campaigns(5), "campaign_id")
    streams.start()

    # Events a few milliseconds apart: the whole run spans less than the 1m grace, so no event is late however the
    # six partitions interleave, and the SQL reference (one global clock) must agree exactly.
    first = generate.events(FIRST, seed=7, prefix="a", step_ms=4)
    second = generate.events(SECOND, seed=8, prefix="b", step_ms=4)
    raw = Producer({"bootstrap.servers": kafka.bootstrap})
    started = time.monotonic()
    with EventProducer(kafka.bootstrap) as producer:
        for i, event in enumerate(first):
            producer.send(event)
            if i % 20_000 == 10_000:
                bad = generate.MALFORMED[i // 20_000]
                raw.produce(EVENTS_TOPIC, bad, key=f"bad-{i // 20_000}".encode())
    raw.flush(30)
    produced = time.monotonic() - started

    tail = KpiTail(kafka.bootstrap)
    try:
        expected = kpis_by_sql(first, customers)
        actual = tail.wait_for(expected, FIRST, timeout=300)
        processed = time.monotonic() - started
        assert actual == expected, describe(actual, expected)

        letters = [r.json() for r in read_to_end(kafka.bootstrap, DLQ_TOPIC)]
        assert len(letters) == len(generate.MALFORMED)
        assert sorted(letter["reason"].split(":")[0] for letter in letters) == sorted(
            generate.MALFORMED_CODES
        )
        assert {letter["raw"] for letter in letters if "\ufffd" not in letter["raw"]} == {
            v.decode() for v in generate.MALFORMED if not v.startswith(b"\xff")
        }

        # A crash in the middle of the second batch: SIGKILL once some of it is committed, then a restart.
        with EventProducer(kafka.bootstrap) as producer:
            producer.send_all(second)
        deadline = time.monotonic() + 120
        while tail.day_events() <= FIRST:
            assert time.monotonic() < deadline, "the second batch was not being processed"
            tail.poll(0.05)
        streams.kill()
        killed = time.monotonic() - started
        counted_at_kill = tail.day_events()
        assert FIRST < counted_at_kill < FIRST + SECOND
        streams.start()
        restarted = time.monotonic() - started

        expected = kpis_by_sql(first + second, customers)
        actual = tail.wait_for(expected, FIRST + SECOND, timeout=240)
        assert actual == expected, describe(actual, expected)
        assert json.loads(tail.last[DAY_TOTAL.encode()])["events"] == FIRST + SECOND
        recovered = time.monotonic() - started
    finally:
        tail.close()

    # Alerts too are written once each, by every rule. Four rules give the same alerts in any arrival order, so the
    # Python engine over the same events is the reference; a lead's crossing depends on the order its events arrive in
    # (its events are spread over partitions), so each lead alert is checked against its own event.
    alerts = [r.json() for r in read_to_end(kafka.bootstrap, ALERTS_TOPIC)]
    ids = [a["alert_id"] for a in alerts]
    assert len(ids) == len(set(ids)), "an alert was written twice"
    reference = StreamEngine(
        {key: Customer.from_dict(c) for key, c in customers.items()},
        {c["campaign_id"]: Campaign.from_dict(c) for c in generate.campaigns(5)},
    )
    expected_alerts = {a.alert_id: a.rule for e in first + second for a in reference.process(e).alerts}
    by_rule = {rule: sorted(a["alert_id"] for a in alerts if a["rule"] == rule) for rule in RULES}
    for rule in ORDER_FREE_RULES:
        expected_ids = sorted(i for i, r in expected_alerts.items() if r == rule)
        assert expected_ids, f"the run fired no {rule} alert to compare"
        assert by_rule[rule] == expected_ids, rule
    scores = {
        e["event_id"]: e["payload"].get("score") for e in first + second if e["type"].startswith("lead_")
    }
    assert by_rule["lead_score_crossed"], "no lead crossed its score"
    assert all(scores[i.split(":", 1)[1]] >= 70 for i in by_rule["lead_score_crossed"])
    big_orders = {
        f"high_value_order:{e['event_id']}"
        for e in first + second
        if e["type"] == "order_placed" and e["payload"]["amount"] >= 5000
    }
    assert by_rule["high_value_order"] == sorted(big_orders)
    print(
        f"{FIRST} events produced in {produced:.1f} s, KPIs equal after {processed:.1f} s; "
        f"killed at {counted_at_kill - FIRST} of {SECOND} after {killed:.1f} s, running again after {restarted:.1f} s, "
        f"KPIs equal again after {recovered:.1f} s; {tail.read} KPI records read"
    )
