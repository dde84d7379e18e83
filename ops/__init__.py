"""Operations: metrics, probes, structured logs, tracing, and the scheduler's leader lock.

:func:`install` puts the monitoring endpoints (``/metrics``, ``/healthz``, ``/readyz``), the request ids and,
when settings switch it on, tracing on the portal's Flask server.
"""

from __future__ import annotations

import logging

from flask import Flask

from ops.health import install_probes, readiness
from ops.logs import batch_context, configure_logging, install_request_ids
from ops.metrics import REGISTRY, install_web, observe_batch, observe_step, watch_listener
from ops.pipeline_hooks import StepRecord, kafka_headers, observed_step
from ops.streaming import watch_outbox
from settings import Settings
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

MONITORING_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})  # answered without signing in


def install(server: Flask, settings: Settings, warehouse: Warehouse) -> None:
    """Monitoring endpoints, request ids and (when enabled) tracing on the portal's server."""
    install_request_ids(server)
    install_web(server, warehouse)
    watch_outbox(warehouse)
    install_probes(server, warehouse, settings.kafka_bootstrap)
    if settings.tracing_enabled:
        from ops.tracing import build_provider, install_tracing

        provider = build_provider(settings.otlp_endpoint)
        install_tracing(server, warehouse.engine, provider)
        server.extensions["c360_tracer_provider"] = (
            provider  # flushed and shut down by whoever stops the server
        )


__all__ = [
    "MONITORING_PATHS",
    "REGISTRY",
    "StepRecord",
    "batch_context",
    "configure_logging",
    "install",
    "install_probes",
    "install_web",
    "kafka_headers",
    "observe_batch",
    "observe_step",
    "observed_step",
    "readiness",
    "watch_listener",
    "watch_outbox",
]
