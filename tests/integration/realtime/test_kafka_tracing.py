"""One trace goes web request -> warehouse -> Kafka produce -> Kafka consume (real broker, in-memory span exporter)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ops import kafka_trace
from ops.tracing import install_tracing
from pipeline.events.broker import LocalKafka, TopicSpec, create_topics
from pipeline.events.kafka_io import JsonProducer, encode
from pipeline.events.listener import KafkaSource, Listener
from pipeline.events.live import LiveBoard
from pipeline.events.outbox import relay_to_kafka
from tests.integration.realtime.test_kafka_metrics import wait_for  # the same bounded wait
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import dim_customer

KPI = {
    "window": "1h",
    "window_start": "2026-12-05T07:00:00Z",
    "window_end": "2026-12-05T08:00:00Z",
    "dimension": "rep",
    "dimension_value": "ana",
    "revenue": 120.0,
    "orders": 1,
    "new_leads": 0,
    "conversions": 0,
    "active_customers": 1,
    "events": 1,
}


@pytest.fixture()
def exporter() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """Spans kept in memory; Kafka spans go back to the global provider afterwards."""
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    try:
        yield provider, spans
    finally:
        kafka_trace.use_provider(None)


def of_kind(spans: InMemorySpanExporter, kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.kind == kind]


def test_a_web_request_its_statement_the_record_it_sends_and_the_listener_reading_it_are_one_trace(
    kafka: LocalKafka, tmp_path: Path, exporter: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, spans = exporter
    prefix = f"c360.t{uuid.uuid4().hex[:8]}"
    kpis = f"{prefix}.kpis"
    create_topics(kafka.bootstrap, {kpis: TopicSpec(1), f"{prefix}.alerts": TopicSpec(1)})
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    server = Flask(__name__)
    producer = JsonProducer(kafka.bootstrap)

    @server.post("/orders")
    def place_order() -> dict[str, int]:
        """A request that reads the warehouse and announces the new KPI value on Kafka."""
        count = int(warehouse.scalar(sa.text("SELECT 1")))
        producer.produce(kpis, "ana", encode(KPI))
        producer.flush()
        return {"sent": count}

    install_tracing(server, warehouse.engine, provider)
    board = LiveBoard()
    listener = Listener(KafkaSource(kafka.bootstrap, prefix, lag_interval=0), board, poll_timeout=0.2)
    listener.start()
    try:
        assert server.test_client().post("/orders").get_json() == {"sent": 1}
        assert wait_for(lambda: bool(of_kind(spans, SpanKind.CONSUMER))), spans.get_finished_spans()
        assert wait_for(lambda: listener.records == 1)
    finally:
        listener.stop()
        warehouse.engine.dispose()

    (web,) = of_kind(spans, SpanKind.SERVER)
    (statement,) = of_kind(spans, SpanKind.CLIENT)
    (produce,) = of_kind(spans, SpanKind.PRODUCER)
    (consume,) = of_kind(spans, SpanKind.CONSUMER)
    assert web.attributes is not None and web.attributes["http.route"] == "/orders"
    assert statement.attributes is not None and statement.attributes["db.statement"] == "SELECT 1"
    assert produce.name == f"{kpis} publish" and consume.name == f"{kpis} process"
    assert consume.attributes is not None and consume.attributes["messaging.destination.name"] == kpis
    trace_id = web.context.trace_id
    assert {s.context.trace_id for s in (statement, produce, consume)} == {trace_id}
    assert statement.parent is not None and statement.parent.span_id == web.context.span_id
    assert produce.parent is not None and produce.parent.span_id == web.context.span_id
    assert consume.parent is not None and consume.parent.span_id == produce.context.span_id
    assert consume.parent.is_remote  # continued from the record's traceparent header, not from memory


def test_each_outbox_relay_pass_is_a_trace_its_records_carry(
    kafka: LocalKafka, tmp_path: Path, exporter: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, spans = exporter
    kafka_trace.use_provider(provider)  # what install_tracing does when tracing is on
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    key = 900_000 + int(uuid.uuid4().int % 99_999)
    with warehouse.begin() as conn:
        conn.execute(
            dim_customer.insert().values(
                customer_key=key, name="Traced Ltd", is_customer=True, source_count=1, completeness=0.4
            )
        )
    stop = threading.Event()
    relay = threading.Thread(target=relay_to_kafka, args=(warehouse, kafka.bootstrap, stop), daemon=True)
    relay.start()
    try:
        assert wait_for(lambda: any(s.name == "outbox relay" for s in spans.get_finished_spans()), 60)
    finally:
        stop.set()
        relay.join(30)
        warehouse.engine.dispose()
    (relay_pass,) = [s for s in spans.get_finished_spans() if s.name == "outbox relay"]
    produce = [s for s in of_kind(spans, SpanKind.PRODUCER) if s.name == "c360.cdc.dim_customer publish"]
    assert len(produce) == 1 and produce[0].parent is not None
    assert produce[0].parent.span_id == relay_pass.context.span_id
    traceparents = _traceparents(kafka.bootstrap, "c360.cdc.dim_customer", str(key).encode())
    assert [t.split("-")[1:3] for t in traceparents] == [
        [f"{relay_pass.context.trace_id:032x}", f"{produce[0].context.span_id:016x}"]
    ]  # the record on the topic continues the relay pass's trace, from its PRODUCER span


def _traceparents(bootstrap: str, topic: str, key: bytes) -> list[str]:
    """The ``traceparent`` headers of the records of ``topic`` with ``key``."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"t-{uuid.uuid4().hex}"})
    try:
        end = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
        consumer.assign([TopicPartition(topic, 0, 0)])
        found: list[str] = []
        seen = 0
        deadline = time.monotonic() + 30
        while seen < end and time.monotonic() < deadline:
            for msg in consumer.consume(500, 0.5):
                if msg.error() is not None:
                    continue
                seen = (msg.offset() or 0) + 1
                if msg.key() == key:
                    headers: list[tuple[str, bytes]] = list(msg.headers() or [])  # type: ignore[arg-type]
                    found += [v.decode() for k, v in headers if k == "traceparent"]
        return found
    finally:
        consumer.close()
