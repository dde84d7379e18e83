"""Events on Kafka: a validating idempotent producer, and a consumer that skips duplicates and dead-letters bad values.

Both reconnect on their own when the broker goes away and comes back (librdkafka retries; the producer keeps
undelivered events queued for ``message.timeout.ms``).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from ops import kafka_trace, streaming
from pipeline.events.broker import DLQ_TOPIC, EVENTS_TOPIC
from pipeline.events.schema import InvalidEvent, validate

logger = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """Kafka did not acknowledge some records; ``errors`` holds librdkafka's reasons."""

    def __init__(self, errors: list[KafkaError]) -> None:
        super().__init__(f"{len(errors)} record(s) not delivered, first: {errors[0]}")
        self.errors = errors


def event_key(event: Mapping[str, Any]) -> str:
    """The partition key the contract gives an event: its customer key as text, else its source key."""
    customer_key = event.get("customer_key")
    return str(customer_key) if customer_key is not None else str(event["source_key"])


def encode(record: Mapping[str, Any]) -> bytes:
    """A record as compact UTF-8 JSON."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


def producer_config(bootstrap: str, **overrides: Any) -> dict[str, Any]:
    """An idempotent producer's settings: every record acknowledged by all in-sync replicas, in order, once."""
    return {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "lz4",
        "message.timeout.ms": 120_000,
        "logger": logger,
        **overrides,
    }


class JsonProducer:
    """An idempotent producer of JSON records; ``flush()`` raises :class:`DeliveryError` for any record not acknowledged."""

    def __init__(self, bootstrap: str, **overrides: Any) -> None:
        self._producer = Producer(producer_config(bootstrap, **overrides))
        self._errors: list[KafkaError] = []
        self.delivered = 0

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        streaming.produced(msg.topic() or "", ok=err is None)
        if err is None:
            self.delivered += 1
        else:
            self._errors.append(err)

    def produce(self, topic: str, key: str | bytes | None, value: bytes | None) -> None:
        """Queue one record, waiting for room when the local queue is full; it carries the trace context."""
        if kafka_trace.tracing():
            with kafka_trace.producing(topic) as headers:
                self._queue(topic, key, value, headers)
        else:
            self._queue(topic, key, value, None)
        self._producer.poll(0)

    def _queue(
        self,
        topic: str,
        key: str | bytes | None,
        value: bytes | None,
        headers: list[tuple[str, str | bytes | None]] | None,
    ) -> None:
        while True:
            try:
                self._producer.produce(topic, value, key, on_delivery=self._on_delivery, headers=headers)
                return
            except BufferError:
                self._producer.poll(0.05)

    def publish(self, topic: str, records: Iterable[Mapping[str, Any]], key_field: str) -> int:
        """Produce records keyed by one of their fields (customers, campaigns); returns how many."""
        count = 0
        for record in records:
            self.produce(topic, str(record[key_field]), encode(record))
            count += 1
        return count

    def flush(self, timeout: float = 60.0) -> None:
        """Wait until every queued record is acknowledged, or raise."""
        left = self._producer.flush(timeout)
        errors, self._errors = self._errors, []
        if errors:
            raise DeliveryError(errors)
        if left:
            raise TimeoutError(f"{left} record(s) still unacknowledged after {timeout:.0f} s")

    def close(self, timeout: float = 60.0) -> None:
        self.flush(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()


class EventProducer(JsonProducer):
    """Produces customer events to ``c360.events``, each validated first: a bad event raises and nothing is sent."""

    def __init__(self, bootstrap: str, topic: str = EVENTS_TOPIC, **overrides: Any) -> None:
        super().__init__(bootstrap, **overrides)
        self.topic = topic

    def send(self, event: Mapping[str, Any]) -> None:
        """Validate and queue one event, keyed by its customer (or source) key; raises :class:`InvalidEvent`."""
        checked = validate(event)
        self.produce(self.topic, event_key(checked), encode(checked))

    def send_all(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Validate and queue many events; returns how many."""
        count = 0
        for event in events:
            self.send(event)
            count += 1
        return count


def dead_letter(msg: Message, reason: str) -> dict[str, Any]:
    """The contract's dead-letter record for a received value: reason, where it was, and the value as text."""
    value = msg.value()
    return {
        "reason": reason,
        "topic": msg.topic(),
        "partition": msg.partition(),
        "offset": msg.offset(),
        "raw": None if value is None else value.decode("utf-8", errors="replace"),
    }


def consumer_config(bootstrap: str, group_id: str, **overrides: Any) -> dict[str, Any]:
    """A consumer's settings: committed transactions only, offsets stored after the caller has the events."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        "group.protocol": "consumer",
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 1000,
        "enable.auto.offset.store": False,
        "logger": logger,
        **overrides,
    }


@dataclass
class ConsumeStats:
    """What an :class:`EventConsumer` has seen so far."""

    events: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class EventConsumer:
    """Reads events once each: duplicates (same ``event_id``) are skipped, bad values go to the dead-letter topic."""

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        topics: Iterable[str] = (EVENTS_TOPIC,),
        *,
        dlq_topic: str = DLQ_TOPIC,
        seen: set[str] | None = None,
        **overrides: Any,
    ) -> None:
        self._consumer = Consumer(consumer_config(bootstrap, group_id, **overrides))
        self._consumer.subscribe(list(topics))
        self._dlq = JsonProducer(bootstrap)
        self.dlq_topic = dlq_topic
        self.seen = set() if seen is None else seen
        self.stats = ConsumeStats()

    def poll(self, timeout: float = 1.0, max_messages: int = 500) -> list[dict[str, Any]]:
        """The valid, first-seen events among the next messages (possibly none)."""
        messages = self._consumer.consume(max_messages, timeout)
        events: list[dict[str, Any]] = []
        arrived: dict[str, int] = {}
        dead = False
        for msg in messages:
            error = msg.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                logger.warning("consumer: %s", error)
                continue
            arrived[msg.topic() or ""] = arrived.get(msg.topic() or "", 0) + 1
            span = kafka_trace.consumer_span(msg)
            if span is not None:
                span.end()  # the hand-over to the caller: the trace shows the record arrived
            try:
                event = validate(msg.value() or b"")
            except InvalidEvent as e:
                self._dlq.produce(self.dlq_topic, msg.key(), encode(dead_letter(msg, e.reason)))
                self.stats.dead_letters += 1
                self.stats.reasons[e.code] = self.stats.reasons.get(e.code, 0) + 1
                dead = True
                continue
            if event["event_id"] in self.seen:
                self.stats.duplicates += 1
                continue
            self.seen.add(event["event_id"])
            self.stats.events += 1
            events.append(event)
        for topic, count in arrived.items():
            streaming.consumed(topic, count)
        if dead:
            self._dlq.flush()  # a dead letter is on its topic before its offset is committed
        for msg in messages:
            if msg.error() is None:
                self._consumer.store_offsets(msg)
        return events

    def close(self) -> None:
        """Commit what was read and leave the group."""
        self._dlq.close()
        self._consumer.close()

    def __enter__(self) -> EventConsumer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass(frozen=True)
class Record:
    """One record read back from a topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None

    def json(self) -> Any:
        return None if self.value is None else json.loads(self.value)


def read_to_end(
    bootstrap: str, topic: str, *, timeout: float = 60.0, isolation: str = "read_committed"
) -> list[Record]:
    """Every record of a topic from the beginning up to its end as of the call (committed ones by default)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"c360-reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "isolation.level": isolation,
            "enable.partition.eof": True,
            "logger": logger,
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        if not partitions:
            raise KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, f"no topic {topic}"))
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions
        }
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        pending = {p for p, end in ends.items() if end > 0}
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{topic}: partitions {sorted(pending)} not read to their end in {timeout:.0f} s"
                )
            for msg in consumer.consume(1000, 0.2):
                error = msg.error()
                if error is None:
                    records.append(
                        Record(topic, msg.partition() or 0, msg.offset() or 0, msg.key(), msg.value())
                    )
                elif error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
            # Positions step over transaction markers too, so they tell when a partition is done.
            for tp in consumer.position([TopicPartition(topic, p) for p in pending]):
                if tp.offset >= ends[tp.partition]:
                    pending.discard(tp.partition)
        return records
    finally:
        consumer.close()
