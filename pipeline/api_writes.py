"""Leads and interactions other systems write through the REST API: a source of the pipeline like the sheets.

The API lands them raw in ``land_record`` under the source ``api`` (each write in a batch of its own, with
the trigger ``api``); every pipeline batch then stages them with the spreadsheet stager, the one the API
validated them with, so they are matched, built into the core tables and marts, or quarantined in
``stg_reject`` with their reason. The stage step's watermark row ``stage:api`` doubles as a lock: a writer
holds it shared while it lands, the stage step exclusively while it reads, so no write that commits late
with a lower ``land_id`` is skipped (PostgreSQL hands out ids before commit; SQLite writes one at a time).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.ops import API_TRIGGER, get_watermark, set_watermark
from pipeline.records import SourceConfig
from warehouse.schema import land_record, ops_watermark

logger = logging.getLogger(__name__)

SOURCE = "api"
TRIGGER = API_TRIGGER  # the ops_batch_run trigger of a write's own landing batch: not a pipeline run
MARK = f"stage:{SOURCE}"
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


def hold_for_write(conn: Connection) -> None:
    """Take the stage watermark row shared for this landing transaction (writers do not wait for each other)."""
    conn.execute(
        sa.select(ops_watermark.c.name).where(ops_watermark.c.name == MARK).with_for_update(read=True)
    )


def hold_for_stage(conn: Connection, batch_id: int) -> None:
    """Take the stage watermark row exclusively: landings in flight finish first, new ones wait for the commit."""
    held = conn.execute(
        sa.select(ops_watermark.c.name).where(ops_watermark.c.name == MARK).with_for_update()
    ).first()
    if held is None:  # the first batch after the first write: the row the writers share from now on
        set_watermark(conn, MARK, "0", batch_id)


__all__ = [
    "CONFIG",
    "MARK",
    "SOURCE",
    "TRIGGER",
    "hold_for_stage",
    "hold_for_write",
    "waiting",
    "with_api_source",
]
