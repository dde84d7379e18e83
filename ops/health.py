"""Probes: ``/healthz`` (the process answers) and ``/readyz`` (the warehouse, and Kafka when configured, answer).

Kubernetes restarts a pod whose liveness fails and takes one whose readiness fails out of its Service;
the blue-green switch waits for readiness before it flips traffic.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, Response, jsonify

from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

KAFKA_TIMEOUT = 3.0  # seconds to wait for the broker's metadata


def check_warehouse(warehouse: Warehouse) -> str | None:
    """None when the warehouse answers a query, else what went wrong."""
    try:
        with warehouse.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as e:
        return f"warehouse unreachable: {str(e).splitlines()[0]}"
    return None


def check_kafka(bootstrap: str, timeout: float = KAFKA_TIMEOUT) -> str | None:
    """None when a broker of ``bootstrap`` answers a metadata request within ``timeout``, else why not."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    client = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout * 1000)})
    try:
        metadata = client.list_topics(timeout=timeout)
    except KafkaException as e:
        return f"kafka unreachable at {bootstrap}: {e}"
    if not metadata.brokers:
        return f"kafka at {bootstrap}: no broker answered"
    return None


def readiness(warehouse: Warehouse, kafka_bootstrap: str) -> dict[str, str]:
    """Each dependency's state: ``ok`` or what went wrong."""
    checks: dict[str, str] = {"warehouse": check_warehouse(warehouse) or "ok"}
    if kafka_bootstrap:
        checks["kafka"] = check_kafka(kafka_bootstrap) or "ok"
    return checks


def install_probes(server: Flask, warehouse: Warehouse, kafka_bootstrap: str) -> None:
    """Serve ``/healthz`` and ``/readyz`` (JSON; 503 when not ready)."""

    def healthz() -> Response:
        return jsonify(status="alive")

    def readyz() -> tuple[Response, int]:
        checks = readiness(warehouse, kafka_bootstrap)
        ready = all(v == "ok" for v in checks.values())
        if not ready:
            logger.warning("not ready: %s", checks)
        return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503

    server.add_url_rule("/healthz", "c360_healthz", healthz, methods=["GET"])
    server.add_url_rule("/readyz", "c360_readyz", readyz, methods=["GET"])
