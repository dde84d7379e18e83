"""One trace spans a web request and the warehouse statements it runs (OpenTelemetry, in-memory exporter)."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app import create_app
from ops.pipeline_hooks import kafka_headers
from ops.tracing import install_tracing
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_request_and_its_warehouse_query_are_one_trace_continued_from_the_caller(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(portal_settings(tmp_path), warehouse)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    install_tracing(app.server, warehouse.engine, provider)

    caller = {"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"}
    assert app.server.test_client().get("/readyz", headers=caller).status_code == 200
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind == SpanKind.SERVER]
    queries = [s for s in spans if s.kind == SpanKind.CLIENT]
    assert len(server) == 1 and server[0].attributes["http.route"] == "/readyz"
    assert queries and queries[0].attributes["db.statement"] == "SELECT 1"
    assert queries[0].attributes["db.system"] == "sqlite"
    trace_id = server[0].context.trace_id
    assert format(trace_id, "032x") == CALLER_TRACE  # continued from the caller's traceparent
    assert all(
        q.context.trace_id == trace_id and q.parent.span_id == server[0].context.span_id for q in queries
    )


def test_kafka_records_carry_the_current_trace(tmp_path: Path) -> None:
    provider = TracerProvider()
    with provider.get_tracer("test").start_as_current_span("send") as span:
        headers = dict(kafka_headers())
    trace_hex = format(span.get_span_context().trace_id, "032x")
    assert headers["traceparent"].decode().split("-")[1] == trace_hex
    assert kafka_headers() == []  # outside a span nothing is added to the record
