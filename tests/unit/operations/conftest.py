"""Tests that install tracing hand Kafka spans back to the global provider afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ops import kafka_trace


@pytest.fixture(autouse=True)
def _kafka_spans_back_to_global() -> Iterator[None]:
    yield
    kafka_trace.use_provider(None)
