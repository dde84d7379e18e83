"""A small generated demo data set shared by the connector tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.demo_data import Options, generate
from tests.unit.connectors.connector_helpers import MALFORMED


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, Options(customers=400, seed=11, end=dt.date(2025, 6, 30), malformed=MALFORMED))
    return out
