"""Streaming metrics: consumer lag per partition, events consumed and produced per topic, the outbox relay.

The Kafka producer and consumers call :func:`produced` and :func:`consumed`; the live listener's lag probe
calls :func:`set_lag`; the outbox backlog is counted in the warehouse when Prometheus scrapes
(:class:`OutboxCollector`, installed by :func:`watch_outbox`). Every series is in :data:`ops.metrics.REGISTRY`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping

import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ops.metrics import REGISTRY
from warehouse.engine import Warehouse, WarehouseError

logger = logging.getLogger(__name__)

CONSUMED = Counter(
    "c360_stream_events_consumed",
    "Kafka records this process consumed, by topic.",
    ["topic"],
    registry=REGISTRY,
)
PRODUCED = Counter(
    "c360_stream_events_produced",
    "Kafka records this process produced and the broker acknowledged, by topic.",
    ["topic"],
    registry=REGISTRY,
)
PRODUCE_FAILED = Counter(
    "c360_stream_events_produce_failed",
    "Kafka records the broker did not acknowledge, by topic.",
    ["topic"],
    registry=REGISTRY,
)
LAG = Gauge(
    "c360_stream_consumer_lag",
    "Records on a partition the live listener has not read yet (end offset minus its position).",
    ["topic", "partition"],
    registry=REGISTRY,
)
LAG_MEASURED = Gauge(
    "c360_stream_consumer_lag_measured_timestamp_seconds",
    "When the live listener's lag was last measured (Unix time).",
    registry=REGISTRY,
)
RELAYED = Counter(
    "c360_outbox_relayed",
    "Warehouse changes the outbox relay published, by table.",
    ["table"],
    registry=REGISTRY,
)

clock: Callable[[], float] = time.time  # wall clock of "seconds since the last event" (tests replace it)
_last_event: dict[str, float] = {}
_lock = threading.Lock()


def consumed(topic: str, count: int = 1) -> None:
    """Count records consumed from ``topic`` and note when the last one came."""
    CONSUMED.labels(topic).inc(count)
    with _lock:
        _last_event[topic] = clock()


def produced(topic: str, ok: bool = True) -> None:
    """Count one record the broker acknowledged (``ok``) or refused on ``topic``."""
    (PRODUCED if ok else PRODUCE_FAILED).labels(topic).inc()


def relayed(table: str, count: int) -> None:
    """Count outbox changes of ``table`` the relay published."""
    RELAYED.labels(table).inc(count)


def set_lag(lags: Mapping[tuple[str, int], int]) -> None:
    """Replace the consumer-lag gauge with one measurement: records not yet read, by (topic, partition)."""
    for (topic, partition), lag in lags.items():
        LAG.labels(topic, str(partition)).set(lag)
    LAG_MEASURED.set(clock())


def lag_of(topic: str) -> float | None:
    """The gauge's lag summed over ``topic``'s partitions (None before any measurement of it)."""
    values = [
        s.value
        for m in LAG.collect()
        for s in m.samples
        if s.labels.get("topic") == topic and s.name == "c360_stream_consumer_lag"
    ]
    return sum(values) if values else None


class LastEventCollector(Collector):
    """Seconds since the newest record consumed on each topic, computed when Prometheus scrapes."""

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        metric = GaugeMetricFamily(
            "c360_stream_seconds_since_last_event",
            "Seconds since this process last consumed a record of the topic.",
            labels=["topic"],
        )
        now = clock()
        with _lock:
            last = dict(_last_event)
        for topic, at in sorted(last.items()):
            metric.add_metric([topic], max(now - at, 0.0))
        yield metric


class OutboxCollector(Collector):
    """Rows waiting in the warehouse's outbox, counted at scrape time."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        from warehouse.schema import evt_outbox as t

        backlog = GaugeMetricFamily(
            "c360_outbox_backlog", "Warehouse changes in the outbox not yet relayed to Kafka."
        )
        query = sa.select(sa.func.count()).select_from(t).where(t.c.relayed_at.is_(None))
        try:
            waiting = self.warehouse.scalar(query)
        except (sa.exc.SQLAlchemyError, WarehouseError) as e:
            logger.warning("outbox backlog not read: %s", e)
            return
        backlog.add_metric([], float(waiting or 0))
        yield backlog


REGISTRY.register(LastEventCollector())
_outbox: dict[int, OutboxCollector] = {}


def watch_outbox(warehouse: Warehouse) -> None:
    """Expose ``warehouse``'s outbox backlog (the newest warehouse replaces an older one)."""
    key = id(warehouse.engine)
    if key in _outbox:
        return
    for old in list(_outbox.values()):
        REGISTRY.unregister(old)
    _outbox.clear()
    _outbox[key] = OutboxCollector(warehouse)
    REGISTRY.register(_outbox[key])
