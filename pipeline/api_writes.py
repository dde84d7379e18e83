"""Leads and interactions other systems write through the REST API: a source of the pipeline like the sheets.

The API lands them raw in ``land_record`` under the source ``api`` (each write in a batch of its own, with
the trigger ``api``); every pipeline batch then stages them with the spreadsheet stager, the one the API
validated them with, so they are matched, built into the core tables and marts, or quarantined in
``stg_reject`` with their reason. The stage step reads them only up to :func:`settled`, so no landing that
commits late with a lower ``land_id`` is skipped behind the watermark (PostgreSQL hands out ids before commit).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pipeline.ops import API_TRIGGER, get_watermark
from pipeline.records import SourceConfig
from warehouse.schema import land_record, ops_watermark

logger = logging.getLogger(__name__)

SOURCE = "api"
TRIGGER = API_TRIGGER  # the ops_batch_run trigger of a write's own landing batch: not a pipeline run
MARK = f"stage:{SOURCE}"
LOCK = f"lock:{SOURCE}-writes"  # an ops_watermark row that only serves as a lock
#: The raw field naming the sales rep whose scope bounded a write (absent when a role reading every customer
#: wrote it): such a record may not change a customer of another rep (``pipeline.identity.scoped``).
SCOPE = "Written In Scope Of"
CONFIG = SourceConfig(
    name=SOURCE,
    type="spreadsheet",
    options={
        "lawful_basis": "contract",
        "terms_of_service": "records the firm's own systems write through its REST API",
    },
)


def with_api_source(sources: Sequence[SourceConfig]) -> list[SourceConfig]:
    """The configured sources plus the API's (records written through the API stage in every batch)."""
    return [*sources, CONFIG] if all(s.name != SOURCE for s in sources) else list(sources)


def waiting(conn: Connection) -> int:
    """How many records written through the API wait to be staged."""
    after = int(get_watermark(conn, MARK, "0"))
    query = sa.select(sa.func.count()).where(land_record.c.source == SOURCE, land_record.c.land_id > after)
    return int(conn.execute(query).scalar() or 0)


def _lock_row_exists(conn: Connection) -> bool:
    return (
        conn.execute(sa.select(ops_watermark.c.name).where(ops_watermark.c.name == LOCK)).first() is not None
    )


def ensure_lock(engine: Engine) -> None:
    """Create the row writers and the stage step lock on, once per warehouse (two creators at once: one wins)."""
    if engine.dialect.name == "sqlite":  # one writer at a time: nothing to order
        return
    with engine.connect() as conn:
        if _lock_row_exists(conn):
            return
        conn.rollback()  # end the read's transaction; the insert runs in its own
        try:
            with conn.begin():
                conn.execute(
                    ops_watermark.insert().values(name=LOCK, value="writers hold it shared", batch_id=0)
                )
        except sa.exc.IntegrityError:
            logger.debug("%s was created by another process meanwhile", LOCK)


def hold_for_write(conn: Connection) -> None:
    """Hold the lock row shared for this landing transaction (writers do not wait for each other)."""
    conn.execute(
        sa.select(ops_watermark.c.name).where(ops_watermark.c.name == LOCK).with_for_update(read=True)
    )


def settled(conn: Connection) -> int:
    """The newest ``land_id`` of the API's records below which every landing has committed.

    In a short transaction of its own, the stage step takes the lock row exclusively: landings in flight (which
    hold it shared from before they take an id) finish first, new ones wait only for that moment, and every id
    handed out after it is higher than the bound read under it. SQLite writes one transaction at a time.
    """
    newest = sa.select(sa.func.max(land_record.c.land_id)).where(land_record.c.source == SOURCE)
    if conn.dialect.name == "sqlite":
        return int(conn.execute(newest).scalar() or 0)
    ensure_lock(conn.engine)
    with conn.engine.connect() as barrier, barrier.begin():
        barrier.execute(sa.select(ops_watermark.c.name).where(ops_watermark.c.name == LOCK).with_for_update())
        return int(barrier.execute(newest).scalar() or 0)


def scoped_writers(conn: Connection) -> dict[str, str]:
    """API records written by a sales rep: source key -> the rep, from each record's newest landed version, in
    the order the records were first landed."""
    r = land_record.c
    rows = conn.execute(sa.select(r.source_key, r.payload).where(r.source == SOURCE).order_by(r.land_id))
    newest = {str(key): str(text) for key, text in rows}
    found = {key: json.loads(text).get(SCOPE) for key, text in newest.items() if SCOPE in text}
    return {key: str(rep) for key, rep in found.items() if rep}


__all__ = [
    "CONFIG",
    "MARK",
    "SCOPE",
    "SOURCE",
    "TRIGGER",
    "ensure_lock",
    "hold_for_write",
    "scoped_writers",
    "settled",
    "waiting",
    "with_api_source",
]
