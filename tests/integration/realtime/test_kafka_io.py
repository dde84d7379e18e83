"""Events through a real Kafka broker: once each, bad values dead-lettered, nothing lost across a broker restart."""

from __future__ import annotations

import copy
import time
import uuid
from collections import defaultdict
from typing import Any

import pytest
from confluent_kafka import Producer

from pipeline.events import InvalidEvent
from pipeline.events.broker import DLQ_TOPIC, EVENTS_TOPIC, LocalKafka, create_topics
from pipeline.events.kafka_io import EventConsumer, EventProducer, event_key, read_to_end
from tests.integration.realtime import generate

pytestmark = pytest.mark.slow


def consume_until(consumer: EventConsumer, done: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Poll until ``done(events_so_far)`` holds; fail after ``timeout`` seconds."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not done(events):
        assert time.monotonic() < deadline, (
            f"only {len(events)} events after {timeout:.0f} s ({consumer.stats})"
        )
        events.extend(consumer.poll(0.5))
    return events


def test_each_event_arrives_once_keyed_by_customer_in_order(
    kafka: LocalKafka, topics: dict[str, str]
) -> None:
    events = generate.events(300, prefix="rt")
    with EventProducer(kafka.bootstrap, topic=topics["events"]) as producer:
        producer.send_all(events)
        producer.send_all(events[:30])  # a source sending the same events again
        bad = copy.deepcopy(events[0])
        bad["payload"]["amount"] = -1
        with pytest.raises(InvalidEvent, match="schema: payload/amount"):
            producer.send(bad)
    stored = read_to_end(kafka.bootstrap, topics["events"])
    assert len(stored) == 330  # the refused event was not sent
    assert all(r.key == event_key(r.json()).encode() for r in stored)

    with EventConsumer(
        kafka.bootstrap, f"g-{uuid.uuid4().hex}", [topics["events"]], dlq_topic=topics["dlq"]
    ) as c:
        received = consume_until(c, lambda got: len(got) >= 300)
        consume_until(c, lambda _got: c.stats.duplicates == 30, timeout=10)
        assert c.stats.events == 300 and c.stats.dead_letters == 0
    assert sorted(e["event_id"] for e in received) == [e["event_id"] for e in events]
    by_key: dict[str, list[str]] = defaultdict(list)
    for event in received:
        by_key[event_key(event)].append(event["event_id"])
    assert all(ids == sorted(ids) for ids in by_key.values())  # one customer's events in the order sent
    assert read_to_end(kafka.bootstrap, topics["dlq"]) == []


def test_malformed_values_land_in_the_dead_letter_topic_and_the_stream_goes_on(
    kafka: LocalKafka, topics: dict[str, str]
) -> None:
    valid = generate.events(50, prefix="dl")
    raw = Producer({"bootstrap.servers": kafka.bootstrap})
    for i, value in enumerate(generate.MALFORMED):  # the validating producer would refuse them: sent raw
        raw.produce(topics["events"], value, key=f"k{i}".encode())
    raw.flush(30)
    with EventProducer(kafka.bootstrap, topic=topics["events"]) as producer:
        producer.send_all(valid)

    with EventConsumer(
        kafka.bootstrap, f"g-{uuid.uuid4().hex}", [topics["events"]], dlq_topic=topics["dlq"]
    ) as c:
        received = consume_until(c, lambda got: len(got) >= 50 and c.stats.dead_letters >= 5)
        assert c.stats.dead_letters == 5
    assert sorted(e["event_id"] for e in received) == [e["event_id"] for e in valid]

    sources = {r.value: r for r in read_to_end(kafka.bootstrap, topics["events"])}
    letters = read_to_end(kafka.bootstrap, topics["dlq"])
    assert len(letters) == 5
    seen_codes = []
    for letter in letters:
        body = letter.json()
        assert set(body) == {"reason", "topic", "partition", "offset", "raw"}
        original = next(v for v in generate.MALFORMED if v.decode("utf-8", errors="replace") == body["raw"])
        source = sources[original]
        assert (body["topic"], body["partition"], body["offset"]) == (
            topics["events"],
            source.partition,
            source.offset,
        )
        assert letter.key == source.key  # keyed as received
        seen_codes.append((generate.MALFORMED.index(original), body["reason"].split(":")[0]))
    assert sorted(seen_codes) == list(enumerate(generate.MALFORMED_CODES))


def test_producer_and_consumer_recover_on_their_own_after_a_broker_restart(own_kafka: LocalKafka) -> None:
    create_topics(own_kafka.bootstrap)
    events = generate.events(1000, prefix="rs")
    bootstrap = own_kafka.bootstrap
    producer = EventProducer(bootstrap)
    consumer = EventConsumer(bootstrap, "restart-test")
    try:
        producer.send_all(events[:500])
        producer.flush()
        before = consume_until(consumer, lambda got: len(got) >= 500)

        own_kafka.stop()
        producer.send_all(events[500:])  # queued while the broker is down: no error
        time.sleep(1)
        own_kafka.start()
        assert own_kafka.bootstrap == bootstrap  # same ports, same data dir
        restarted = time.monotonic()

        producer.flush(90)
        assert producer.delivered == 1000
        after = consume_until(consumer, lambda got: len(got) >= 500, timeout=90)
        recovery = time.monotonic() - restarted
    finally:
        consumer.close()
    ids = sorted(e["event_id"] for e in before + after)
    assert ids == [e["event_id"] for e in events]  # nothing lost, nothing twice
    assert recovery < 60
    stored = read_to_end(bootstrap, EVENTS_TOPIC)
    assert len(stored) == 1000  # the idempotent producer wrote no duplicates on its retries
    assert read_to_end(bootstrap, DLQ_TOPIC) == []
