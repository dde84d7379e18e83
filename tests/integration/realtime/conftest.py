"""A Kafka broker for the session (KRaft, one node, loopback), started from the jars ``make kafka-jars`` fetches.

Without Java the Kafka tests skip, unless ``C360_REQUIRE_KAFKA=1`` (CI sets it), which turns that into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.events.broker import TOPICS, LocalKafka, TopicSpec, create_topics


def require_java() -> None:
    """Skip (or fail, when CI requires Kafka) without a Java runtime."""
    if shutil.which("java") is None:
        if os.environ.get("C360_REQUIRE_KAFKA") == "1":
            pytest.fail(
                "Kafka is required (C360_REQUIRE_KAFKA=1) but there is no java (apt-get install openjdk-17-jre-headless)"
            )
        pytest.skip("no Java runtime for the Kafka broker")


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """One broker for the whole session, with the contract's topics."""
    require_java()
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"))
    broker.start(timeout=120)
    try:
        create_topics(broker.bootstrap)
        yield broker
    finally:
        broker.stop()


@pytest.fixture()
def topics(kafka: LocalKafka) -> dict[str, str]:
    """Fresh events and dead-letter topics for one test, so tests do not read each other's records."""
    suffix = uuid.uuid4().hex[:8]
    names = {"events": f"c360.events.t{suffix}", "dlq": f"c360.events.dlq.t{suffix}"}
    create_topics(kafka.bootstrap, {names["events"]: TOPICS["c360.events"], names["dlq"]: TopicSpec(1)})
    return names


@pytest.fixture()
def own_kafka(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of the test's own, for tests that stop and restart it."""
    require_java()
    broker = LocalKafka(tmp_path / "kafka")
    broker.start(timeout=120)
    try:
        yield broker
    finally:
        broker.stop()
