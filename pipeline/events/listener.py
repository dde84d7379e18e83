"""The listener thread that keeps a :class:`~pipeline.events.live.LiveBoard` current, and its two sources.

A source yields batches of KPI records and alerts (``docs/realtime.md``):

- :class:`KafkaSource` consumes ``<prefix>.kpis`` and ``<prefix>.alerts`` in a consumer group of its own
  (host, process and a random suffix), so every replica of the portal sees every record, from the earliest
  offset, so a new replica rebuilds today's state, reading only committed transactions;
- :class:`EmbeddedSource` runs the in-process engine over the warehouse's event log.

:class:`DemoDay` is the embedded demo's producer: it appends the demo firm's day to the event log at a few
events a second, so the portal's live view moves.

:class:`Listener` polls its source and feeds the board; when the source fails it is closed and opened
again after a growing pause (``backoff``), until :meth:`Listener.stop`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ops import kafka_trace, streaming
from pipeline.events.live import LiveBoard
from warehouse.engine import Warehouse
from warehouse.version import data_version

logger = logging.getLogger(__name__)


@dataclass
class Batch:
    """What one poll brought: KPI records and alerts, oldest first."""

    kpis: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.kpis or self.alerts)


class Source(Protocol):
    """Where live records come from; ``poll`` waits at most ``timeout`` seconds for some."""

    name: str

    def open(self) -> None: ...

    def poll(self, timeout: float) -> Batch: ...

    def close(self) -> None: ...


class SourceError(RuntimeError):
    """A source cannot go on; the listener reopens it."""


def consumer_group(prefix: str) -> str:
    """A consumer group for this process alone: ``<prefix>.portal.<host>.<pid>.<random>``."""
    return f"{prefix}.portal.{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(4)}"


def consumer_config(bootstrap: str, group: str) -> dict[str, Any]:
    """The consumer settings of :class:`KafkaSource` (pure, so they can be checked)."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "enable.auto.commit": False,  # a group of its own that always starts from the earliest offset
        "enable.partition.eof": False,
        "topic.metadata.refresh.interval.ms": 5000,  # topics created after the portal are found quickly
        "client.id": group,
    }


class KafkaSource:
    """The processor's output topics ``<prefix>.kpis`` and ``<prefix>.alerts`` from a Kafka cluster."""

    def __init__(
        self, bootstrap: str, prefix: str = "c360", batch_size: int = 500, lag_interval: float = 15.0
    ) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.batch_size = batch_size
        self.lag_interval = lag_interval  # seconds between lag measurements (0: not measured)
        self.name = f"kafka {bootstrap} {prefix}.kpis/{prefix}.alerts"
        self.group = consumer_group(prefix)
        self.positions: dict[tuple[str, int], int] = {}  # the next offset to read, per partition read from
        self._consumer: Any = None
        self._probe: Any = None

    @property
    def topics(self) -> tuple[str, str]:
        return f"{self.prefix}.kpis", f"{self.prefix}.alerts"

    def open(self) -> None:
        from confluent_kafka import Consumer  # imported here: the embedded portal does not need it

        self.positions = {}
        self._consumer = Consumer(consumer_config(self.bootstrap, self.group))
        self._consumer.subscribe(list(self.topics))
        logger.info("listening to %s as group %s", self.name, self.group)
        if self.lag_interval > 0:
            from pipeline.events.lag import LagProbe

            self._probe = LagProbe(
                self.bootstrap, self.topics, lambda: self.positions, interval=self.lag_interval
            )
            self._probe.start()

    def poll(self, timeout: float) -> Batch:
        from confluent_kafka import KafkaError

        if self._consumer is None:
            raise SourceError(f"{self.name}: poll before open")
        batch = Batch()
        messages = self._consumer.consume(num_messages=self.batch_size, timeout=timeout)
        arrived: dict[str, int] = {}
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise SourceError(f"{self.name}: {error.str()}")
                if error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:  # not created yet: comes soon
                    logger.warning("%s: %s", self.name, error.str())
                continue
            arrived[message.topic()] = arrived.get(message.topic(), 0) + 1
            span = kafka_trace.consumer_span(message, self.group)
            try:
                self._take(message, batch)
            finally:
                if span is not None:
                    span.end()
        for topic, count in arrived.items():
            streaming.consumed(topic, count)
        if messages:
            self._note_positions()
        return batch

    def _take(self, message: Any, batch: Batch) -> None:
        """Add one record's JSON object to the batch (a tombstone or a value that is not one is skipped)."""
        value = message.value()
        if value is None:
            return  # a tombstone
        where = f"{message.topic()}[{message.partition()}]@{message.offset()}"
        try:
            record = json.loads(value)
        except ValueError as e:
            logger.warning("%s: skipped %s, not JSON: %s", self.name, where, e)
            return
        if not isinstance(record, dict):
            logger.warning("%s: skipped %s, not a JSON object", self.name, where)
            return
        (batch.kpis if message.topic() == self.topics[0] else batch.alerts).append(record)

    def _note_positions(self) -> None:
        """Keep the consumer's positions (a local read) for the lag probe; they step over transaction markers."""
        positions = self._consumer.position(self._consumer.assignment())
        self.positions = {(tp.topic, tp.partition): tp.offset for tp in positions if tp.offset >= 0}

    def close(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.stop()
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception:  # closing a broken consumer must not stop the listener
                logger.exception("%s: close failed", self.name)


class Engine(Protocol):
    """The part of :class:`pipeline.events.engine.StreamEngine` the embedded source uses."""

    def process(self, raw: Mapping[str, Any]) -> Any: ...


Tail = Callable[[Warehouse, int, int], Sequence[tuple[int, dict[str, Any]]]]


def default_engine(warehouse: Warehouse) -> Engine:
    """The stream engine enriched from the warehouse's customers and campaigns."""
    from pipeline.events.engine import StreamEngine
    from pipeline.events.reference import load_campaigns, load_customers

    engine: Engine = StreamEngine(load_customers(warehouse), load_campaigns(warehouse))
    return engine


def default_tail(warehouse: Warehouse, after_seq: int, limit: int) -> Sequence[tuple[int, dict[str, Any]]]:
    """The warehouse's event log after a position."""
    from pipeline.events.log import tail

    rows: Sequence[tuple[int, dict[str, Any]]] = tail(warehouse, after_seq, limit)
    return rows


def _as_dict(record: Any) -> dict[str, Any]:
    """An engine record (with ``as_dict``) or a mapping as a plain dict."""
    as_dict = getattr(record, "as_dict", None)
    return dict(as_dict() if callable(as_dict) else record)


class EmbeddedSource:
    """The in-process engine over the warehouse's event log, from the first event accepted at ``start`` or later
    (the portal gives the start of today, so today is rebuilt without replaying older days), else from the first.

    The engine and the log position survive a reopen; an event the engine fails on is logged (position and
    event id) and passed over, so one bad event cannot stop the portal's live view. Every ``refresh_seconds``
    the warehouse's data version is read, and customers and campaigns are read again only if it moved (a
    batch's new customers get their rep; an idle warehouse costs one small query, not a read of every customer).
    """

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        batch_size: int = 500,
        idle_wait: float = 0.05,
        engine_factory: Callable[[Warehouse], Engine] = default_engine,
        tail: Tail = default_tail,
        refresh_seconds: float = 300.0,
        start: dt.datetime | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.start = start
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.engine_factory = engine_factory
        self.tail = tail
        self.name = f"engine over the event log of {warehouse.engine.url.render_as_string()}"
        self.position = 0
        self.failed_events = 0
        self.refresh_seconds = refresh_seconds
        self._refreshed = time.monotonic()
        self._version: tuple[Any, ...] | None = None  # the data version the engine's customers were read at
        self._engine: Engine | None = None

    def open(self) -> None:
        if self._engine is None:
            if self.start is not None and self.position == 0:
                from pipeline.events.log import position_before

                self.position = position_before(self.warehouse, self.start)
            self._version = data_version(self.warehouse)  # read first: a batch ending meanwhile reloads later
            self._engine = self.engine_factory(self.warehouse)
            logger.info(
                "live engine reading the event log of %s", self.warehouse.engine.url.render_as_string()
            )

    def poll(self, timeout: float) -> Batch:
        if self._engine is None:
            raise SourceError(f"{self.name}: poll before open")
        if time.monotonic() - self._refreshed > self.refresh_seconds:
            self._refresh(self._engine)
        deadline = time.monotonic() + timeout
        rows = self.tail(self.warehouse, self.position, self.batch_size)
        while not rows and time.monotonic() < deadline:
            time.sleep(min(self.idle_wait, max(deadline - time.monotonic(), 0)))
            rows = self.tail(self.warehouse, self.position, self.batch_size)
        kpis: dict[tuple[Any, ...], dict[str, Any]] = {}  # the newest value per key within the batch
        batch = Batch()
        for seq, event in rows:
            try:
                output = self._engine.process(event)
            except Exception:
                self.failed_events += 1
                logger.exception(
                    "live engine failed on event %s at log position %d", event.get("event_id"), seq
                )
            else:
                for record in output.kpis:
                    row = _as_dict(record)
                    key = (row["window"], row["window_start"], row["dimension"], row["dimension_value"])
                    kpis.pop(key, None)
                    kpis[key] = row
                batch.alerts.extend(_as_dict(a) for a in output.alerts)
            self.position = seq
        batch.kpis = list(kpis.values())
        return batch

    def _refresh(self, engine: Engine) -> None:
        """Customers and campaigns again from the warehouse, if its data changed since they were read."""
        self._refreshed = time.monotonic()
        upsert_customer = getattr(engine, "upsert_customer", None)
        upsert_campaign = getattr(engine, "upsert_campaign", None)
        if upsert_customer is None or upsert_campaign is None:
            return
        version = data_version(self.warehouse)
        if version == self._version:
            logger.debug("live engine: warehouse unchanged, customers not reloaded")
            return
        self._version = version
        from pipeline.events.reference import load_campaigns, load_customers

        customers, campaigns = load_customers(self.warehouse), load_campaigns(self.warehouse)
        for customer in customers.values():
            upsert_customer(customer)
        for campaign in campaigns.values():
            upsert_campaign(campaign)
        logger.info("live engine: %d customers and %d campaigns reloaded", len(customers), len(campaigns))

    def close(self) -> None:
        """Nothing to release: the warehouse's engine pools its own connections."""


class Listener(threading.Thread):
    """A daemon thread: polls ``source`` and feeds ``board``; reopens a failing source with backoff."""

    def __init__(
        self,
        source: Source,
        board: LiveBoard,
        *,
        poll_timeout: float = 0.5,
        backoff: tuple[float, float] = (0.5, 30.0),
        on_batch: Callable[[Batch], None] | None = None,
    ) -> None:
        super().__init__(name=f"live-listener {source.name}", daemon=True)
        self.source = source
        self.board = board
        self.poll_timeout = poll_timeout
        self.backoff = backoff
        self.on_batch = on_batch
        self.records = 0
        self.failures = 0
        self.last_error: str | None = None
        self._stopping = threading.Event()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish and wait for it (at most ``timeout`` seconds)."""
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        delay = self.backoff[0]
        while not self._stopping.is_set():
            try:
                self.source.open()
                while not self._stopping.is_set():
                    batch = self.source.poll(self.poll_timeout)
                    if batch:
                        self.records += self.board.add_kpis(batch.kpis) + self.board.add_alerts(batch.alerts)
                        if self.on_batch is not None:
                            self.on_batch(batch)
                    delay = self.backoff[0]
            except Exception as e:
                self.failures += 1
                self.last_error = f"{type(e).__name__}: {e}"
                logger.exception("live listener: %s failed; reopening in %.1f s", self.source.name, delay)
            finally:
                self.source.close()
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, self.backoff[1])
        logger.info("live listener for %s stopped", self.source.name)


DAY_SECONDS = 86_400
FAILURE_PAUSE = 2.0  # seconds the demo day waits after a failed append
DEMO_LOCK = "live-demo"  # the lock whose holder plays the demo day (one process of several)


def demo_speed(planned_events: int, simulated_seconds: float, events_per_second: float) -> float:
    """The simulated seconds per real second that play ``planned_events`` over ``simulated_seconds`` at
    ``events_per_second``."""
    return max(simulated_seconds, 1.0) * events_per_second / max(planned_events, 1)


class DemoDay(threading.Thread):
    """A daemon thread appending the demo firm's day to the event log, ``events_per_second`` on average.

    Customers (with their reps and churn risks) and campaigns come from the warehouse; with none yet it
    waits and looks again. A failed append is logged and the day goes on after a pause.
    """

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        events_per_second: float = 5.0,
        seed: int | None = None,
        retry: float = 30.0,
    ) -> None:
        super().__init__(name="live-demo-day", daemon=True)
        self.warehouse = warehouse
        self.events_per_second = events_per_second
        self.seed = seed if seed is not None else secrets.randbelow(1_000_000)
        self.retry = retry
        self.appended = 0
        self._stopping = threading.Event()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def _player(self) -> Any:
        from pipeline.events.generator import DayPlayer
        from pipeline.events.reference import load_campaigns, load_customers

        customers = [c.as_dict() for c in load_customers(self.warehouse).values()]
        if not customers:
            return None
        reps = sorted({str(c["rep"]) for c in customers})
        campaigns = [c.as_dict() for c in load_campaigns(self.warehouse).values()]
        start_hour = dt.datetime.now(dt.UTC).hour  # the simulated day starts at the real hour
        player = DayPlayer(
            customers, reps, campaigns, seed=self.seed, sleep=self._pause, start_hour=start_hour
        )
        planned = sum(1 for p in player.plan_day() if p.at >= player.start)
        player.speed = demo_speed(planned, DAY_SECONDS - player.start, self.events_per_second)
        return player

    def _pause(self, seconds: float) -> None:
        """The player's sleep: cut short by :meth:`stop`."""
        self._stopping.wait(seconds)

    def run(self) -> None:
        from pipeline.lock import lead

        lead(self.warehouse, DEMO_LOCK, self._play, self._stopping, retry=self.retry)
        logger.info("demo day stopped after %d events", self.appended)

    def _play(self, done: Callable[[], bool]) -> None:
        """Play days until ``done``: only the process leading ``DEMO_LOCK`` does, so the day plays once."""
        from pipeline.events.log import append

        while not done():
            try:
                player = self._player()
                if player is None:
                    logger.info(
                        "demo day: no customers in the warehouse yet; looking again in %.0f s", self.retry
                    )
                else:
                    logger.info(
                        "demo day playing at %.0fx (%.1f events/s)", player.speed, self.events_per_second
                    )
                    for event in player.play(duration=math.inf):
                        if done():
                            break
                        self.appended += append(self.warehouse, [event], "generator")
                    continue  # the day ended: plan the next one
            except Exception:
                logger.exception("demo day: appending failed; going on in %.0f s", FAILURE_PAUSE)
                self._stopping.wait(FAILURE_PAUSE)
                continue
            self._stopping.wait(self.retry)
