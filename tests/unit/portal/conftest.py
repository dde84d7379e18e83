"""Fixtures for portal tests: the small fixture warehouse, an app on it, and signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dash import Dash
from flask.testing import FlaskClient

from app import create_app
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings, sign_in
from warehouse.engine import Warehouse


@pytest.fixture(scope="session")
def portal_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return build_portal_warehouse(tmp_path_factory.mktemp("portal") / "warehouse.db")


@pytest.fixture
def portal_app(portal_warehouse: Warehouse, tmp_path: Path) -> Dash:
    return create_app(portal_settings(tmp_path), portal_warehouse)


@pytest.fixture
def client(portal_app: Dash) -> Iterator[FlaskClient]:
    with portal_app.server.test_client() as c:
        yield c


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:
    response = sign_in(client, "manager")
    assert response.status_code == 303
    return client
