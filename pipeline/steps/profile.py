"""Profile: column profiles of every staging table, per source, kept per batch for the quality page.

Runs after stage, so each batch records what its sources looked like (nulls, distinct values, value
shapes, ranges: ``pipeline.quality.profile``) and a steward can compare one batch with the last.
A re-run of the step replaces its batch's rows.

A (table, source) pair whose staged rows are what an earlier batch profiled is not read again: its
profile is copied from that batch. What was profiled is kept as a watermark per pair: the row count,
the newest landed version staged (stage goes in ``land_id`` order, so any row it adds is newer) and
the number of completed erasures (an erasure rewrites rows in place), with the batch whose profile it
describes (named in the value: abandoning a batch puts the watermarks back under its own id). A row
staged, deleted or erased since changes it, and the pair is read whole again.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.quality.profile import profile_frame
from pipeline.steps.stage import STAGING_TABLES
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.privacy.requests import erased_keys_query
from warehouse.schema import ops_profile, ops_watermark

logger = logging.getLogger(__name__)

MAX_VALUE: int = ops_profile.c.min_value.type.length or 200  # type: ignore[attr-defined]
MAX_MARK: int = ops_watermark.c.name.type.length or 80  # type: ignore[attr-defined]


def profile(conn: Connection, batch_id: int, reuse: bool = True) -> StepResult:
    """Profile each (staging table, source) pair, or copy its profile from the batch that last read the same
    rows (``reuse``); returns how many column profiles were written."""
    conn.execute(ops_profile.delete().where(ops_profile.c.batch_id == batch_id))
    erasures = conn.execute(
        sa.select(sa.func.count()).select_from(erased_keys_query().subquery())
    ).scalar_one()
    written = copied = 0
    for table in STAGING_TABLES:
        shapes = conn.execute(
            sa.select(table.c.source, sa.func.count(), sa.func.max(table.c.land_id))
            .group_by(table.c.source)
            .order_by(table.c.source)
        ).all()
        for source, count, newest in shapes:
            mark = f"profile:{table.name}:{source}"
            stamp = f"{count}:{newest}:{erasures}"
            kept = len(mark) <= MAX_MARK  # a longer name is profiled every batch, never kept
            earlier = _profiled(conn, mark, stamp) if reuse and kept else None
            n = _copy(conn, earlier, batch_id, source, table.name) if earlier is not None else 0
            if n:
                copied += n
            else:
                n = _profile(conn, table, source, batch_id)
            written += n
            if kept:
                set_watermark(conn, mark, f"{stamp}@{batch_id}", batch_id)
    logger.info("profiled staging: %d column profiles (%d as last read)", written, copied)
    return StepResult(
        rows_out=written,
        lineage={("staging", "ops_profile"): written},
        message=f"{copied} of {written} column profiles copied from the batch that last read the same rows",
    )


def _profiled(conn: Connection, mark: str, stamp: str) -> int | None:
    """The batch that profiled the same rows as ``stamp`` describes, if one did."""
    kept, _, batch = get_watermark(conn, mark).rpartition("@")
    return int(batch) if kept == stamp and batch.isdigit() else None


def _copy(conn: Connection, earlier: int, batch_id: int, source: str, table: str) -> int:
    """The earlier batch's profile of (table, source) as this batch's; how many rows (0: none was kept)."""
    p = ops_profile.c
    kept = (p.batch_id == earlier) & (p.source == source) & (p.table_name == table)
    n = int(conn.execute(sa.select(sa.func.count()).where(kept)).scalar_one())
    if n:
        columns = [c for c in ops_profile.c if c.name != "batch_id"]
        rows = sa.select(sa.literal(batch_id, sa.Integer), *columns).where(kept)
        conn.execute(ops_profile.insert().from_select(["batch_id", *[c.name for c in columns]], rows))
    return n


def _profile(conn: Connection, table: sa.Table, source: str, batch_id: int) -> int:
    """Read (table, source) whole and write its column profiles."""
    frame = read_frame(conn, sa.select(table).where(table.c.source == source))
    rows = [
        {
            **p.as_row(),
            "batch_id": batch_id,
            "source": source,
            "table_name": table.name,
            "min_value": _cut(p.minimum),
            "max_value": _cut(p.maximum),
        }
        for p in profile_frame(frame)
    ]
    return insert_rows(conn, ops_profile, rows)


def _cut(value: str | None) -> str | None:
    return value[:MAX_VALUE] if value is not None else None
