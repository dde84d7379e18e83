"""Trace context across Kafka: a PRODUCER span per record sent, a CONSUMER span per record read, linked by headers.

The producer's span context travels in the record's W3C ``traceparent`` header (``opentelemetry.propagate``);
the consumer extracts it and starts its span as a child, so a trace goes web request -> warehouse -> Kafka
produce -> Kafka consume. Spans go to the provider :func:`use_provider` set (``ops.tracing.install_tracing``
does), else to the global one; with tracing off they are not recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

logger = logging.getLogger(__name__)

_provider: list[trace.TracerProvider] = []  # the provider tracing was installed with, if any


def use_provider(provider: trace.TracerProvider | None) -> None:
    """Send Kafka spans to ``provider`` from now on (None: back to the global provider)."""
    _provider[:] = [] if provider is None else [provider]


def tracer() -> trace.Tracer:
    """The tracer of Kafka spans and of the work around them (the outbox relay's passes)."""
    if _provider:
        return _provider[0].get_tracer(__name__)
    return trace.get_tracer(__name__)


def headers() -> list[tuple[str, str | bytes | None]]:
    """The current trace context as Kafka record headers (empty when no span is recording)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(k, v.encode()) for k, v in carrier.items()]


def tracing() -> bool:
    """Whether a record sent now gets a span: tracing was installed, or a span is current."""
    return bool(_provider) or trace.get_current_span().get_span_context().is_valid


@contextmanager
def producing(topic: str) -> Iterator[list[tuple[str, str | bytes | None]]]:
    """A PRODUCER span for one record to ``topic``; yields the headers that carry it."""
    if not tracing():
        yield []  # nothing traced here: no span, no headers
        return
    with tracer().start_as_current_span(
        f"{topic} publish",
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    ):
        yield headers()


def _carrier(record_headers: Sequence[tuple[str, Any]] | None) -> dict[str, str]:
    carrier: dict[str, str] = {}
    for key, value in record_headers or ():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            carrier[key] = value
    return carrier


def consumer_span(message: Any, group: str | None = None) -> Span | None:
    """A CONSUMER span for one received record, the child of the span that produced it; None when the record
    carries no trace context. The caller ends it."""
    carrier = _carrier(message.headers())
    if "traceparent" not in carrier:
        return None
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.destination.name": message.topic(),
        "messaging.kafka.destination.partition": message.partition(),
        "messaging.kafka.message.offset": message.offset(),
    }
    if group:
        attributes["messaging.consumer.group.name"] = group
    return tracer().start_span(
        f"{message.topic()} process",
        context=propagate.extract(carrier),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
    )
