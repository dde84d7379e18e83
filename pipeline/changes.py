"""What the core step changed in a batch, so the steps after it can redo only that.

Core records, per batch, either "everything" (it rebuilt in full) or the golden customer keys and the date
keys (``YYYYMMDD``) whose rows it wrote, updated or removed: a customer whose golden row, or any of whose
facts, changed (a fact that moved between customers names both); a day on which any fact changed.

A later step remembers the last batch it caught up with (the watermark ``changes:<step>``) and asks for
every change since, up to the batch running: no watermark, or "everything" in any of those batches,
means the step rebuilds in full. Rows no step still needs are removed as the steps catch up, but for the
last batch every step applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.ops import get_watermark, set_watermark
from warehouse.engine import insert_rows
from warehouse.schema import ops_core_change, ops_watermark

ALL, CUSTOMER, DAY = "all", "customer", "day"
RECORDED = "batch"  # core recorded its changes in this batch (none, it may be): key 0
PREFIX = "changes:"


@dataclass(frozen=True)
class Changes:
    """The golden customers and the days whose core rows changed."""

    customers: frozenset[int]
    days: frozenset[int]


def record_everything(conn: Connection, batch_id: int) -> None:
    """Core rebuilt everything in ``batch_id``."""
    _record(conn, batch_id, ALL, [0])


def record_changes(conn: Connection, batch_id: int, customers: Iterable[int], days: Iterable[int]) -> None:
    """Core changed the rows of these customers and these days in ``batch_id`` (added to what it recorded);
    none at all is recorded too."""
    _record(conn, batch_id, RECORDED, [0])
    _record(conn, batch_id, CUSTOMER, customers)
    _record(conn, batch_id, DAY, days)


def changes_since(conn: Connection, step: str, batch_id: int) -> Changes | None:
    """Everything core changed after ``step`` last caught up, up to ``batch_id``; None: rebuild in full
    (``step`` never caught up, core rebuilt everything in between, or core has not recorded ``batch_id``)."""
    last = get_watermark(conn, PREFIX + step)
    if not last:
        return None
    query = sa.select(ops_core_change.c.batch_id, ops_core_change.c.kind, ops_core_change.c.key).where(
        ops_core_change.c.batch_id > int(last), ops_core_change.c.batch_id <= batch_id
    )
    found: dict[str, set[int]] = {ALL: set(), RECORDED: set(), CUSTOMER: set(), DAY: set()}
    batches = set()
    for batch, kind, key in conn.execute(query):
        found[kind].add(key)
        batches.add(batch)
    if found[ALL] or batch_id not in batches:
        return None
    return Changes(frozenset(found[CUSTOMER]), frozenset(found[DAY]))


def caught_up(conn: Connection, step: str, batch_id: int) -> None:
    """``step`` has applied every change up to ``batch_id``; rows every step has applied are removed, but for
    the last batch they all applied (what the last batch changed stays on view)."""
    set_watermark(conn, PREFIX + step, str(batch_id), batch_id)
    marks = sa.select(ops_watermark.c.value).where(ops_watermark.c.name.like(PREFIX + "%"))
    oldest = min(int(v) for v in conn.execute(marks).scalars())
    conn.execute(ops_core_change.delete().where(ops_core_change.c.batch_id < oldest))


def _record(conn: Connection, batch_id: int, kind: str, keys: Iterable[int]) -> None:
    query = sa.select(ops_core_change.c.key).where(
        ops_core_change.c.batch_id == batch_id, ops_core_change.c.kind == kind
    )
    held = set(conn.execute(query).scalars())
    fresh = sorted({int(k) for k in keys} - held)
    insert_rows(conn, ops_core_change, ({"batch_id": batch_id, "kind": kind, "key": k} for k in fresh))
