"""What the batch runner reports about each step: timing and row counts as metrics, the batch id in logs, a span."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry import trace

from ops import kafka_trace
from ops.logs import batch_context
from ops.metrics import observe_step


@dataclass
class StepRecord:
    """Filled in by the runner when the step succeeded: the rows it read, wrote and rejected."""

    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0


@contextmanager
def observed_step(batch_id: int, step: str) -> Iterator[StepRecord]:
    """Time the step inside, with the batch id on its log records and a span named after it."""
    record = StepRecord()
    started = time.perf_counter()
    tracer = trace.get_tracer(__name__)
    with batch_context(batch_id), tracer.start_as_current_span(f"pipeline step {step}") as span:
        span.set_attribute("c360.batch_id", batch_id)
        try:
            yield record
        except BaseException:
            observe_step(step, "failed", time.perf_counter() - started, 0, 0, 0)
            raise
        observe_step(
            step,
            "succeeded",
            time.perf_counter() - started,
            record.rows_in,
            record.rows_out,
            record.rows_rejected,
        )


def kafka_headers() -> list[tuple[str, str | bytes | None]]:
    """The current trace context as Kafka record headers (empty when no span is recording)."""
    return kafka_trace.headers()
