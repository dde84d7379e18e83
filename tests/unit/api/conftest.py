"""Fixtures for API unit tests: the portal's small fixture warehouse and an app on it with a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.unit.api.api_helpers import Clock, api_app
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse


@pytest.fixture
def api_warehouse(tmp_path: Path) -> Warehouse:
    return build_portal_warehouse(tmp_path / "warehouse.db")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(api_warehouse: Warehouse, tmp_path: Path, clock: Clock) -> Iterator[FlaskClient]:
    with api_app(api_warehouse, tmp_path, clock).server.test_client() as c:
        yield c
