"""Fixtures for connector tests: the demo company generated once, local servers per test, a fake clock."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from pipeline.demo_data import Options, generate
from pipeline.records import SourceConfig
from tests.integration.connectors.qbo_server import CLIENT_ID, CLIENT_SECRET, REALM, QboServer, load_company


class FakeClock:
    """Monotonic time that moves only when the code under test sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-connectors")
    generate(out, Options(customers=100, seed=5, end=dt.date(2025, 6, 30)))
    return out


@pytest.fixture(scope="session")
def company(demo_dir: Path) -> dict[str, list[dict[str, Any]]]:
    return load_company(demo_dir / "quickbooks")


@pytest.fixture
def qbo(company: dict[str, list[dict[str, Any]]]) -> Iterator[QboServer]:
    server = QboServer(copy.deepcopy(company)).start()
    yield server
    server.stop()


@pytest.fixture
def qbo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The secrets a QuickBooks source reads from the environment."""
    monkeypatch.setenv("C360_QBO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("C360_QBO_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("C360_QBO_REFRESH_TOKEN", "rt-0")
    monkeypatch.setenv("C360_QBO_TOKEN_KEY", Fernet.generate_key().decode())


@pytest.fixture
def qbo_source(qbo: QboServer, qbo_env: None, tmp_path: Path) -> SourceConfig:
    options = {
        "lawful_basis": "contract",
        "terms_of_service": "Intuit developer terms; our own company file",
        "realm_id": REALM,
        "discovery_url": f"{qbo.url}/.well-known/openid_configuration",
        "base_url": f"{qbo.url}/v3",
        "token_path": str(tmp_path / "secrets" / "qbo.qbo-token"),
        "page_size": 100,
        "http": {"rate": 500.0, "burst": 20, "retries": 4, "backoff_base": 0.5},
    }
    return SourceConfig(name="qbo", type="quickbooks_api", options=options)
