"""OpenTelemetry tracing across web -> warehouse -> Kafka, exported over OTLP; off unless settings switch it on.

``settings.tracing_enabled`` and ``settings.otlp_endpoint`` (an OTLP/HTTP traces URL, e.g. a collector's
``http://otel-collector:4318/v1/traces``) turn it on. The Flask server gets a span per request; every SQL
statement the warehouse engine runs is a child span; each Kafka record sent is a PRODUCER span whose W3C
``traceparent`` header the consumers continue as a CONSUMER span (:mod:`ops.kafka_trace`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ops.kafka_trace import use_provider

logger = logging.getLogger(__name__)

SERVICE_NAME = "customer360"
_TRACED = "_c360_traced"  # set on an engine once its statements are traced


def build_provider(endpoint: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """A tracer provider exporting in batches to ``exporter`` (default: OTLP/HTTP at ``endpoint``)."""
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def instrument_engine(engine: Engine, provider: TracerProvider) -> None:
    """A CLIENT span around every statement ``engine`` runs, a child of whatever span is current."""
    if getattr(engine, _TRACED, False):
        return
    setattr(engine, _TRACED, True)
    tracer = provider.get_tracer(__name__)
    system = engine.dialect.name

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper() or "SQL"
        span = tracer.start_span(
            f"{verb} {engine.url.database or system}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": system, "db.statement": statement[:2000]},
        )
        context._otel_span = span  # the execution context lives exactly as long as the statement

    @event.listens_for(engine, "after_cursor_execute")
    def _end(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        span = getattr(context, "_otel_span", None)
        if span is not None:
            span.end()

    @event.listens_for(engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, "_otel_span", None)
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, str(exception_context.original_exception)[:200]))
            span.end()


def instrument_server(server: Flask, provider: TracerProvider) -> None:
    """A SERVER span per request (method, route, status), continuing an incoming ``traceparent``."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor.instrument_app(  # type: ignore[no-untyped-call]
        server, tracer_provider=provider, excluded_urls="healthz,metrics"
    )


def install_tracing(server: Flask, engine: Engine, provider: TracerProvider) -> None:
    """Trace ``server``'s requests and ``engine``'s statements into ``provider``; it becomes the global one."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(provider)  # Kafka headers and other libraries use the global provider
    instrument_server(server, provider)
    instrument_engine(engine, provider)
    use_provider(provider)  # Kafka produce and consume spans
    logger.info("tracing on: spans of web requests and warehouse statements are exported")
