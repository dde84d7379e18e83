"""Fixtures for the live tests: a real Kafka broker on loopback for the session, and the portal on the
portal tests' fixture warehouse."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash import Dash

from app import create_app
from pipeline.events.broker import LocalKafka
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings
from warehouse.engine import Warehouse


class PatientKafka(LocalKafka):
    """The local broker, waiting out a readiness probe that times out while a busy machine starts it."""

    def _wait_ready(self, deadline: float) -> None:
        while True:
            try:
                return super()._wait_ready(deadline)
            except TimeoutError:  # the probe's topic creation outlasted its 5 s
                if time.monotonic() > deadline:
                    raise


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A single-node broker (the jars of ``make kafka-jars``) started for the session and stopped at its end."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for the Kafka broker")
    broker = PatientKafka(tmp_path_factory.mktemp("kafka")).start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def portal_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The portal tests' fixture warehouse: reps Alice Brown (rep_key 1, the demo sales_rep) and Bob Singh."""
    return build_portal_warehouse(tmp_path_factory.mktemp("live-portal") / "warehouse.db")


@pytest.fixture
def live_app(portal_warehouse: Warehouse, tmp_path: Path) -> Dash:
    """The portal without its live feed: tests fill the board themselves."""
    return create_app(portal_settings(tmp_path), portal_warehouse, live=False)
