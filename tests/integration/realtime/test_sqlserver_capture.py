"""The SQL Server capture's configuration passes Debezium's own checks; only the connection fails (no SQL Server here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.events.broker import LocalKafka
from pipeline.events.connect import ConnectWorker
from tests.unit.deploy.test_cdc_config import ROOT, java_properties

pytestmark = pytest.mark.slow


def test_sqlserver_capture_configuration_is_accepted_by_the_debezium_connector(
    kafka: LocalKafka, tmp_path: Path
) -> None:
    settings = java_properties((ROOT / "deploy" / "kafka" / "debezium-sqlserver.properties").read_text())
    # Fail fast on the refused connection instead of the JDBC driver's retries (~30 s).
    settings |= {"driver.connectRetryCount": "0", "driver.loginTimeout": "2"}
    worker = ConnectWorker(
        tmp_path / "connect",
        kafka.bootstrap,
        env={
            "C360_SQLSERVER_HOST": "127.0.0.1",
            "C360_SQLSERVER_CDC_PASSWORD": "not-a-secret",
            "C360_KAFKA_BOOTSTRAP": kafka.bootstrap,
        },
    )
    worker.start(timeout=120)
    try:
        errors = worker.validate(settings)
    finally:
        worker.stop()
    # Every setting is understood and consistent; the one complaint is that no SQL Server answers on 1433.
    assert list(errors) == ["database.hostname"], errors
    assert "1433" in errors["database.hostname"][0]
