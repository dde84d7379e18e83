"""Profile: column profiles of every staging table, per source, kept per batch for the quality page.

Runs after stage, so each batch records what its sources looked like (nulls, distinct values, value
shapes, ranges: ``pipeline.quality.profile``) and a steward can compare one batch with the last.
A re-run of the step replaces its batch's rows.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.ops import StepResult
from pipeline.quality.profile import profile_frame
from pipeline.steps.stage import STAGING_TABLES
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import ops_profile

logger = logging.getLogger(__name__)

MAX_VALUE: int = ops_profile.c.min_value.type.length or 200  # type: ignore[attr-defined]


def profile(conn: Connection, batch_id: int) -> StepResult:
    """Profile each (staging table, source) pair; returns how many column profiles were written."""
    conn.execute(ops_profile.delete().where(ops_profile.c.batch_id == batch_id))
    written = 0
    for table in STAGING_TABLES:
        sources = [s for (s,) in conn.execute(sa.select(table.c.source).distinct().order_by(table.c.source))]
        for source in sources:
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
            written += insert_rows(conn, ops_profile, rows)
    logger.info("profiled staging: %d column profiles", written)
    return StepResult(rows_out=written, lineage={("staging", "ops_profile"): written})


def _cut(value: str | None) -> str | None:
    return value[:MAX_VALUE] if value is not None else None
