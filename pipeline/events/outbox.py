"""The outbox relay: publishes the warehouse's recorded changes (``evt_outbox``) in order, at least once.

Each run claims the oldest unrelayed rows, publishes each as ``{"event_id", "op", "before", "after",
"source": {"table"}, "ts_ms"}`` keyed by the row's primary key to ``c360.cdc.<table>``, and commits the claim
only after ``publish`` has returned: a failure or a crash leaves the rows to publish again, and consumers
drop a repeat by its ``event_id`` (``cdc-<seq>``). A key has at most one unrelayed row, its net change (see
``warehouse.schema.events.outbox_trigger_ddl``), so a rebuild of a table publishes only the rows it changed. The claim is the transaction's first write, so on SQLite no
change of the watched tables interleaves with a run (the triggers may rewrite a row that is not yet relayed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ops import kafka_trace, streaming
from warehouse.engine import Warehouse
from warehouse.schema import evt_outbox

logger = logging.getLogger(__name__)

TOPIC_PREFIX = "c360.cdc."
NOTHING = "n"  # a row changed and changed back before it was relayed: marked relayed, not published
Publish = Callable[[str, str, dict[str, Any]], None]
Clock = Callable[[], dt.datetime]
EPOCH = dt.datetime(1970, 1, 1)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def envelope(row: dict[str, Any]) -> dict[str, Any]:
    """The published value of one outbox row."""
    created = row["created_at"]
    if isinstance(created, str):  # SQLite triggers write the time as text
        created = dt.datetime.fromisoformat(created)
    return {
        "event_id": f"cdc-{row['seq']}",
        "op": row["op"],
        "before": json.loads(row["before"]) if row["before"] else None,
        "after": json.loads(row["after"]) if row["after"] else None,
        "source": {"table": row["table_name"]},
        "ts_ms": int((created - EPOCH).total_seconds() * 1000),
    }


class Relay:
    """Moves outbox rows to ``publish(topic, key, value)``; ``run_once`` for one pass, ``run`` for a polling loop."""

    def __init__(
        self, warehouse: Warehouse, publish: Publish, batch: int = 500, clock: Clock = _utc_now
    ) -> None:
        self.warehouse = warehouse
        self.publish = publish
        self.batch = batch
        self.clock = clock

    def run_once(self) -> int:
        """Publish the oldest unrelayed rows (up to ``batch``) in order; returns how many were published."""
        t = evt_outbox
        oldest = sa.select(t.c.seq).where(t.c.relayed_at.is_(None)).order_by(t.c.seq).limit(self.batch)
        with self.warehouse.begin() as conn:
            if conn.dialect.name == "sqlite":  # one statement: the claim takes the write lock before it reads
                chosen: Any = oldest.scalar_subquery()
            else:
                chosen = list(conn.execute(oldest.with_for_update(skip_locked=True)).scalars())
                if not chosen:
                    return 0
            claim = t.update().where(t.c.seq.in_(chosen)).values(relayed_at=self.clock()).returning(t.c.seq)
            claimed = list(conn.execute(claim).scalars())
            if not claimed:
                return 0
            query = sa.select(t).where(t.c.seq.in_(claimed), t.c.op != NOTHING).order_by(t.c.seq)
            rows = conn.execute(query).all()
            tables: dict[str, int] = {}
            with kafka_trace.tracer().start_as_current_span("outbox relay") as span:
                span.set_attribute("c360.outbox.rows", len(rows))
                for row in rows:
                    r = dict(row._mapping)
                    self.publish(TOPIC_PREFIX + r["table_name"], str(r["pk"]), envelope(r))
                    tables[r["table_name"]] = tables.get(r["table_name"], 0) + 1
        for table, count in tables.items():  # counted once the claim is committed
            streaming.relayed(table, count)
        logger.debug("relayed %d warehouse changes", len(rows))
        return len(rows)

    def run(
        self, stop: threading.Event, poll_seconds: float = 0.2, done: Callable[[], bool] | None = None
    ) -> None:
        """Relay until ``stop`` is set (or ``done()`` says so), polling every ``poll_seconds`` while the outbox
        is empty."""
        finished = done or stop.is_set
        while not finished():
            try:
                published = self.run_once()
            except Exception:
                logger.exception("outbox relay pass failed; retrying")
                published = 0
            if not published:
                stop.wait(poll_seconds)

    def start(self, poll_seconds: float = 0.2) -> tuple[threading.Thread, threading.Event]:
        """Run the relay in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run, args=(stop, poll_seconds), name="outbox-relay", daemon=True
        )
        thread.start()
        return thread, stop


def relay_to_kafka(
    warehouse: Warehouse,
    bootstrap: str,
    stop: threading.Event,
    done: Callable[[], bool] | None = None,
    poll_seconds: float = 0.2,
) -> None:
    """Relay the outbox to ``c360.cdc.<table>`` on ``bootstrap`` until ``stop`` (or ``done()``), each change
    acknowledged by the broker before its row is marked relayed (at least once)."""
    from pipeline.events.broker import TopicSpec, create_topics
    from pipeline.events.kafka_io import JsonProducer, encode
    from warehouse.schema import OUTBOX_TABLES

    create_topics(bootstrap, {TOPIC_PREFIX + table: TopicSpec(1) for table in OUTBOX_TABLES})
    producer = JsonProducer(bootstrap)

    def publish(topic: str, key: str, value: dict[str, Any]) -> None:
        producer.produce(topic, key, encode(value))
        producer.flush()

    logger.info("relaying the warehouse's outbox to %s", bootstrap)
    Relay(warehouse, publish).run(stop, poll_seconds, done)


class RelayThread(threading.Thread):
    """The outbox relay in a daemon thread of the portal, in one process of all those sharing the warehouse."""

    LOCK = "outbox-relay"

    def __init__(self, warehouse: Warehouse, bootstrap: str, retry: float = 30.0) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        self.warehouse = warehouse
        self.bootstrap = bootstrap
        self.retry = retry
        self._stopping = threading.Event()

    def run(self) -> None:
        from pipeline.lock import lead

        def work(done: Callable[[], bool]) -> None:
            relay_to_kafka(self.warehouse, self.bootstrap, self._stopping, done)

        lead(self.warehouse, self.LOCK, work, self._stopping, retry=self.retry)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
