"""The interaction log: every accepted event, once, in the order it was accepted (the embedded transport).

``append`` validates each event and skips an event id the log already holds, so a producer may send again
after a failure. ``tail`` reads from a position: each reader (an app instance, the stream engine) keeps its
own, like a consumer group of its own. Appends are serialised (SQLite by its write lock, PostgreSQL by an
advisory lock), so positions become visible in order and a reader never skips a slower writer's event.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.events import projections
from pipeline.events.schema import validate
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import evt_log

logger = logging.getLogger(__name__)

PRODUCERS = ("generator", "batch", "cdc", "api")
APPEND_LOCK = 0x43333630  # PostgreSQL advisory lock key ("C360") held while appending
CHUNK = 500  # event ids looked up per query

Event = dict[str, Any]


def parse_time(text: str) -> dt.datetime:
    """An RFC 3339 ``...Z`` time as a naive UTC datetime (the warehouse stores UTC without a zone)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).replace(tzinfo=None)


def format_time(moment: dt.datetime) -> str:
    """A datetime (naive means UTC) as the events' RFC 3339 text with milliseconds and ``Z``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def lock_appends(conn: Connection) -> None:
    """Hold the log's append lock until the transaction ends (PostgreSQL; SQLite's write lock does it there)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})


def append(
    warehouse: Warehouse,
    events: Iterable[Mapping[str, Any]],
    producer: str,
    now: dt.datetime | None = None,
) -> int:
    """Validate and append ``events``, updating the projections in the same transaction; returns how many were new.

    Raises :class:`pipeline.events.schema.InvalidEvent` (nothing is appended) when one breaks the contract.
    """
    with warehouse.begin() as conn:
        return len(append_in(conn, events, producer, now))


def append_in(
    conn: Connection,
    events: Iterable[Mapping[str, Any]],
    producer: str,
    now: dt.datetime | None = None,
) -> list[Event]:
    """:func:`append` inside a caller's transaction; returns the events that were new (as validated)."""
    if producer not in PRODUCERS:
        raise ValueError(f"unknown producer {producer!r}: expected one of {', '.join(PRODUCERS)}")
    checked: dict[str, Event] = {}
    for raw in events:
        event = validate(raw)
        checked.setdefault(event["event_id"], event)  # the first of two copies in one call wins
    if not checked:
        return []
    lock_appends(conn)
    known = known_ids(conn, list(checked))
    fresh = [e for event_id, e in checked.items() if event_id not in known]
    if not fresh:
        return []
    recorded_at = now or _utc_now()
    insert_rows(conn, evt_log, (_row(e, producer, recorded_at) for e in fresh))
    projections.apply_in(conn, _appended(conn, fresh))
    logger.debug(
        "appended %d events from %s (%d duplicates skipped)", len(fresh), producer, len(checked) - len(fresh)
    )
    return fresh


def _appended(conn: Connection, fresh: list[Event]) -> list[tuple[int, Event]]:
    """The events just inserted with their positions, read by their ids (not "after the last position": another
    writer may commit between); each event is the one stored, as its body reads back."""
    by_id = {e["event_id"]: e for e in fresh}
    event_ids = list(by_id)
    rows: list[tuple[int, Event]] = []
    for i in range(0, len(event_ids), CHUNK):
        query = sa.select(evt_log.c.seq, evt_log.c.event_id).where(
            evt_log.c.event_id.in_(event_ids[i : i + CHUNK])
        )
        rows.extend((int(seq), by_id[event_id]) for seq, event_id in conn.execute(query))
    return sorted(rows, key=lambda r: r[0])


def known_ids(conn: Connection, event_ids: list[str]) -> set[str]:
    """Which of ``event_ids`` the log holds already (from any producer)."""
    known: set[str] = set()
    for i in range(0, len(event_ids), CHUNK):
        chunk = event_ids[i : i + CHUNK]
        known.update(
            conn.execute(sa.select(evt_log.c.event_id).where(evt_log.c.event_id.in_(chunk))).scalars()
        )
    return known


def _row(event: Event, producer: str, recorded_at: dt.datetime) -> dict[str, Any]:
    return {
        "event_id": event["event_id"],
        "type": event["type"],
        "customer_key": event.get("customer_key"),
        "source_key": event.get("source_key"),
        "channel": event.get("channel"),
        "occurred_at": parse_time(event["occurred_at"]),
        "recorded_at": recorded_at,
        "producer": producer,
        "body": json.dumps(event, separators=(",", ":"), sort_keys=True),
    }


def read_after(conn: Connection, after_seq: int, limit: int) -> list[tuple[int, Event]]:
    """Up to ``limit`` events after position ``after_seq``, in log order, with their positions."""
    query = sa.select(evt_log.c.seq, evt_log.c.body).where(evt_log.c.seq > after_seq).order_by(evt_log.c.seq)
    return [(int(seq), json.loads(body)) for seq, body in conn.execute(query.limit(limit))]


def tail(warehouse: Warehouse, after_seq: int = 0, limit: int = 1000) -> list[tuple[int, Event]]:
    """The events after position ``after_seq`` (0: from the start), at most ``limit``; the last seq is the next position."""
    with warehouse.begin() as conn:
        return read_after(conn, after_seq, limit)


def events_for(warehouse: Warehouse, customer_key: int) -> list[Event]:
    """Every event of one customer, in log order: the customer's complete interaction history."""
    query = sa.select(evt_log.c.body).where(evt_log.c.customer_key == customer_key).order_by(evt_log.c.seq)
    with warehouse.begin() as conn:
        return [json.loads(body) for body in conn.execute(query).scalars()]


def last_seq(warehouse: Warehouse) -> int:
    """The newest position in the log (0 when empty): a reader that wants only new events starts here."""
    query = sa.select(sa.func.coalesce(sa.func.max(evt_log.c.seq), 0))
    return int(warehouse.scalar(query))


def position_before(warehouse: Warehouse, moment: dt.datetime) -> int:
    """The position of the last event the log accepted before ``moment`` (naive UTC; 0 when none): a reader
    starting there reads what came since."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    query = sa.select(sa.func.coalesce(sa.func.max(evt_log.c.seq), 0)).where(evt_log.c.recorded_at < moment)
    return int(warehouse.scalar(query))
