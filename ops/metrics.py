"""Prometheus metrics: web requests per URL rule, pipeline steps, models from the registry, the event stream.

Every series lives in one registry (:data:`REGISTRY`), exposed at ``/metrics`` by :func:`install_web`. The
web series come from one before/after-request hook labelled by the Flask URL rule (``/api/v1/customers/<int:key>``,
not each key), so routes added later are covered without code. Model and event series are read from the
warehouse when Prometheus scrapes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from warehouse.engine import Warehouse, WarehouseError

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
UNMATCHED = "<unmatched>"  # the rule label of a request no route matched (404s)

REQUEST_SECONDS = Histogram(
    "c360_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL rule and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
REQUESTS = Counter(
    "c360_http_requests",
    "HTTP requests answered, by URL rule, method and status class.",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
REQUEST_ERRORS = Counter(
    "c360_http_request_errors",
    "HTTP requests answered with a 5xx status, by URL rule and method.",
    ["endpoint", "method"],
    registry=REGISTRY,
)
STEP_SECONDS = Histogram(
    "c360_pipeline_step_duration_seconds",
    "Time a pipeline step took, by step and outcome.",
    ["step", "status"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
STEP_ROWS = Counter(
    "c360_pipeline_step_rows",
    "Rows a pipeline step read (in), wrote (out) or rejected, by step.",
    ["step", "kind"],
    registry=REGISTRY,
)
BATCHES = Counter(
    "c360_pipeline_batches",
    "Pipeline batches finished, by outcome (succeeded, failed, unchanged).",
    ["status"],
    registry=REGISTRY,
)


def observe_step(step: str, status: str, seconds: float, rows_in: int, rows_out: int, rejected: int) -> None:
    """Record one finished pipeline step."""
    STEP_SECONDS.labels(step, status).observe(seconds)
    STEP_ROWS.labels(step, "in").inc(rows_in)
    STEP_ROWS.labels(step, "out").inc(rows_out)
    STEP_ROWS.labels(step, "rejected").inc(rejected)


def observe_batch(status: str) -> None:
    """Record one finished batch."""
    BATCHES.labels(status).inc()


def _rule() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def _before() -> None:
    g.c360_started = time.perf_counter()


def _after(response: Response) -> Response:
    started = g.pop("c360_started", None)
    if started is None:
        return response
    endpoint, method = _rule(), request.method
    REQUEST_SECONDS.labels(endpoint, method).observe(time.perf_counter() - started)
    REQUESTS.labels(endpoint, method, f"{response.status_code // 100}xx").inc()
    if response.status_code >= 500:
        REQUEST_ERRORS.labels(endpoint, method).inc()
    return response


def _teardown(error: BaseException | None) -> None:
    """An exception that escaped every handler still counts as a 500 of its rule."""
    if error is not None and g.pop("c360_started", None) is not None:
        REQUESTS.labels(_rule(), request.method, "5xx").inc()
        REQUEST_ERRORS.labels(_rule(), request.method).inc()


def metrics_response() -> Response:
    """The registry in Prometheus' text format."""
    return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)


class WarehouseCollector(Collector):
    """Model metrics and drift from the registry, and the event log's size, read at scrape time."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def describe(self) -> list[Metric]:
        return []  # read at collect time only: nothing to describe ahead

    def collect(self) -> Iterator[Metric]:
        metric = GaugeMetricFamily(
            "c360_model_metric",
            "The champion's holdout metric, by model and metric.",
            labels=["model", "metric"],
        )
        drift = GaugeMetricFamily(
            "c360_model_metric_drift",
            "The newest registered version's metric minus the champion's (0 when the champion is the newest).",
            labels=["model", "metric"],
        )
        try:
            rows = self._registry_rows()
        except (sa.exc.SQLAlchemyError, WarehouseError) as e:  # a scrape still serves every other series
            logger.warning("model metrics not read: %s", e)
            rows = []
        champions: dict[str, dict[str, float]] = {}
        newest: dict[str, dict[str, float]] = {}
        for row in rows:
            values = {k: float(v) for k, v in json.loads(row["metrics"]).items() if _number(v)}
            newest[row["model"]] = values
            if row["status"] == "champion":
                champions[row["model"]] = values
        for model, values in sorted(champions.items()):
            for name, value in sorted(values.items()):
                metric.add_metric([model, name], value)
                if name in newest.get(model, {}):
                    drift.add_metric([model, name], newest[model][name] - value)
        yield metric
        yield drift

    def _registry_rows(self) -> list[dict[str, Any]]:
        from warehouse.schema import model_registry

        return self.warehouse.rows(
            sa.select(model_registry.c.model, model_registry.c.status, model_registry.c.metrics).order_by(
                model_registry.c.model, model_registry.c.version
            )
        )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ListenerCollector(Collector):
    """The live listener's throughput and health: records consumed, source failures, whether it runs."""

    def __init__(self) -> None:
        self.listeners: list[Any] = []  # pipeline.events.listener.Listener threads of this process

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        records = CounterMetricFamily(
            "c360_stream_records_consumed",
            "Live KPI and alert records the web process consumed, by source.",
            labels=["source"],
        )
        failures = CounterMetricFamily(
            "c360_stream_source_failures", "Times the live source failed and was reopened.", labels=["source"]
        )
        up = GaugeMetricFamily(
            "c360_stream_listener_up", "1 while the live listener runs.", labels=["source"]
        )
        for listener in self.listeners:
            name = str(listener.source.name)
            records.add_metric([name], float(listener.records))
            failures.add_metric([name], float(listener.failures))
            up.add_metric([name], 1.0 if listener.is_alive() else 0.0)
        yield records
        yield failures
        yield up


LISTENERS = ListenerCollector()
REGISTRY.register(LISTENERS)


def watch_listener(listener: Any) -> None:
    """Expose a live listener's counters (the newest listener of each source replaces older ones)."""
    name = listener.source.name
    LISTENERS.listeners = [x for x in LISTENERS.listeners if x.source.name != name] + [listener]


_collectors: dict[int, WarehouseCollector] = {}


def install_web(server: Flask, warehouse: Warehouse) -> None:
    """Time every request by URL rule and serve ``/metrics`` (no sign-in: scraped inside the cluster)."""
    server.before_request(_before)
    server.after_request(_after)
    server.teardown_request(_teardown)
    server.add_url_rule("/metrics", "c360_metrics", metrics_response, methods=["GET"])
    key = id(warehouse.engine)
    if key not in _collectors:
        for old in list(_collectors.values()):
            REGISTRY.unregister(old)
        _collectors.clear()
        _collectors[key] = WarehouseCollector(warehouse)
        REGISTRY.register(_collectors[key])
