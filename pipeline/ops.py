"""Batch and step records, watermarks and lineage edges in the ``ops_*`` tables."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import ops_batch_run, ops_lineage_edge, ops_step_run, ops_watermark

RUNNING, SUCCEEDED, FAILED, ABANDONED = "running", "succeeded", "failed", "abandoned"
#: The trigger of the one-record batches the REST API lands its writes in: not pipeline runs, so the
#: run/resume/unchanged logic below looks past them.
API_TRIGGER = "api"


@dataclass(frozen=True)
class StepResult:
    """What a step did: counts for the ops tables and lineage edges (source node -> target node: rows)."""

    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    lineage: Mapping[tuple[str, str], int] | None = None
    message: str | None = None


def last_batch(conn: Connection) -> dict[str, Any] | None:
    """The newest pipeline batch (an API write's landing batch is not one)."""
    query = (
        sa.select(ops_batch_run)
        .where(ops_batch_run.c.trigger != API_TRIGGER)
        .order_by(ops_batch_run.c.batch_id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def last_succeeded_batch(conn: Connection) -> dict[str, Any] | None:
    query = (
        sa.select(ops_batch_run)
        .where(ops_batch_run.c.status == SUCCEEDED, ops_batch_run.c.trigger != API_TRIGGER)
        .order_by(ops_batch_run.c.batch_id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def start_batch(conn: Connection, now: dt.datetime, trigger: str, fingerprint: str) -> int:
    """A new batch, with every watermark as it found them (what abandoning it restores)."""
    marks = {r.name: r.value for r in conn.execute(sa.select(ops_watermark.c.name, ops_watermark.c.value))}
    result = conn.execute(
        ops_batch_run.insert().values(
            started_at=now,
            status=RUNNING,
            trigger=trigger,
            input_fingerprint=fingerprint,
            watermarks=json.dumps(marks, sort_keys=True),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def reopen_batch(conn: Connection, batch_id: int, fingerprint: str) -> None:
    conn.execute(
        ops_batch_run.update()
        .where(ops_batch_run.c.batch_id == batch_id)
        .values(status=RUNNING, finished_at=None, input_fingerprint=fingerprint, message=None)
    )


def finish_batch(
    conn: Connection, batch_id: int, now: dt.datetime, status: str, message: str | None = None
) -> None:
    conn.execute(
        ops_batch_run.update()
        .where(ops_batch_run.c.batch_id == batch_id)
        .values(status=status, finished_at=now, message=message)
    )


def step_messages(conn: Connection, batch_id: int, steps: tuple[str, ...]) -> str:
    """The messages of a batch's ``steps`` (their warnings), one per line."""
    rows = conn.execute(
        sa.select(ops_step_run.c.message).where(
            (ops_step_run.c.batch_id == batch_id)
            & ops_step_run.c.step.in_(steps)
            & ops_step_run.c.message.is_not(None)
        )
    )
    return "\n".join(str(r.message) for r in rows)


def step_status(conn: Connection, batch_id: int) -> dict[str, str]:
    rows = conn.execute(
        sa.select(ops_step_run.c.step, ops_step_run.c.status).where(ops_step_run.c.batch_id == batch_id)
    )
    return {r.step: r.status for r in rows}


def start_step(conn: Connection, batch_id: int, step: str, now: dt.datetime) -> None:
    key = (ops_step_run.c.batch_id == batch_id) & (ops_step_run.c.step == step)
    conn.execute(ops_step_run.delete().where(key))
    conn.execute(ops_step_run.insert().values(batch_id=batch_id, step=step, started_at=now, status=RUNNING))


def finish_step(
    conn: Connection,
    batch_id: int,
    step: str,
    now: dt.datetime,
    status: str,
    result: StepResult,
    peak_rss_mb: int | None = None,
) -> None:
    key = (ops_step_run.c.batch_id == batch_id) & (ops_step_run.c.step == step)
    conn.execute(
        ops_step_run.update()
        .where(key)
        .values(
            finished_at=now,
            status=status,
            rows_in=result.rows_in,
            rows_out=result.rows_out,
            rows_rejected=result.rows_rejected,
            message=result.message,
            peak_rss_mb=peak_rss_mb,
        )
    )
    if status == SUCCEEDED and result.lineage:
        conn.execute(
            ops_lineage_edge.delete().where(
                (ops_lineage_edge.c.batch_id == batch_id) & (ops_lineage_edge.c.step == step)
            )
        )
        conn.execute(
            ops_lineage_edge.insert(),
            [
                {"batch_id": batch_id, "step": step, "source_node": src, "target_node": dst, "rows": rows}
                for (src, dst), rows in sorted(result.lineage.items())
            ],
        )


def get_watermark(conn: Connection, name: str, default: str = "") -> str:
    value = conn.execute(sa.select(ops_watermark.c.value).where(ops_watermark.c.name == name)).scalar()
    return str(value) if value is not None else default


def set_watermark(conn: Connection, name: str, value: str, batch_id: int) -> None:
    conn.execute(ops_watermark.delete().where(ops_watermark.c.name == name))
    conn.execute(ops_watermark.insert().values(name=name, value=value, batch_id=batch_id))
