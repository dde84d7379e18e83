"""Kafka records carry a PRODUCER span's context only when tracing is on; the lag counts what is left to read."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ops import kafka_trace
from pipeline.events.lag import lags


def test_with_tracing_off_records_carry_no_header_and_no_span_is_made() -> None:
    with kafka_trace.producing("c360.kpis") as headers:
        assert headers == []


def test_with_tracing_on_each_record_sent_is_a_producer_span_its_header_names() -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    kafka_trace.use_provider(provider)
    with kafka_trace.producing("c360.cdc.dim_customer") as headers:
        pass
    (span,) = spans.get_finished_spans()
    assert span.kind == SpanKind.PRODUCER and span.name == "c360.cdc.dim_customer publish"
    assert (
        span.attributes is not None
        and span.attributes["messaging.destination.name"] == "c360.cdc.dim_customer"
    )
    (name, value), *_ = headers
    assert name == "traceparent" and isinstance(value, bytes)
    assert value.decode().split("-")[1:3] == [f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"]


def test_lag_counts_from_the_listeners_position_or_from_the_first_offset_kept() -> None:
    ends = {("c360.kpis", 0): 130, ("c360.kpis", 1): 40, ("c360.alerts", 0): 5}
    starts = {("c360.kpis", 0): 100, ("c360.kpis", 1): 0, ("c360.alerts", 0): 0}
    positions = {("c360.kpis", 1): 40, ("c360.alerts", 0): 2}
    assert lags(ends, starts, positions) == {
        ("c360.kpis", 0): 30,  # unread: older records were deleted by retention, only 30 remain to read
        ("c360.kpis", 1): 0,
        ("c360.alerts", 0): 3,
    }
