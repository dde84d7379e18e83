"""Fixtures for the live board tests: a real Kafka broker on loopback for the session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.unit.live.kafka_broker import Broker


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A single-node broker started for the session and stopped at its end."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for the Kafka broker")
    broker = Broker(tmp_path_factory.mktemp("kafka")).start()
    try:
        yield broker
    finally:
        broker.stop()
