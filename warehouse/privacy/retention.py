"""Retention: personal data kept no longer than its category's period, removed daily by the scheduler.

Categories and their periods (:class:`RetentionPolicy`):
    landing     superseded versions of landed records (the payload history), after ``landing_days``; the
                latest version of each record and every version a staged row came from stay;
    rejected    rejected records and flagged raw values, after ``rejected_days`` from their batch;
    deleted     records their source deleted: every landed version, the soft delete with its staged rows
                and the golden key kept for their return, ``soft_deleted_days`` after the deletion;
    events      the interaction log (``evt_log``, when it exists), after ``event_days``.
The audit log, consent history and data-subject requests are kept: they are the evidence of compliance.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.engine import Warehouse
from warehouse.privacy.subject import tables
from warehouse.schema import (
    customer_xref_deleted,
    land_record,
    ops_batch_run,
    stg_customer,
    stg_deletion,
    stg_field_flag,
    stg_reject,
)

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger(__name__)

EVENT_TABLE = "evt_log"
#: Columns that date an event, in order of preference (the first DateTime column otherwise).
EVENT_TIME_COLUMNS = ("occurred_at", "event_time", "ts", "created_at", "received_at", "at")


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each category of personal data is kept."""

    landing_days: int = 400
    rejected_days: int = 90
    soft_deleted_days: int = 30
    event_days: int = 730

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        """The periods the settings give (``C360_RETENTION_*_DAYS``)."""
        return cls(
            landing_days=settings.retention_landing_days,
            rejected_days=settings.retention_rejected_days,
            soft_deleted_days=settings.retention_soft_deleted_days,
            event_days=settings.retention_event_days,
        )


@dataclass(frozen=True)
class RetentionReport:
    """Rows removed per category (or that would be, on a dry run)."""

    now: dt.datetime
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)


def apply_retention(
    warehouse: Warehouse, now: dt.datetime, policy: RetentionPolicy | None = None, dry_run: bool = False
) -> RetentionReport:
    """Remove what is past its period, in one transaction; ``dry_run`` only counts."""
    policy = policy or RetentionPolicy()
    removed: dict[str, int] = {}
    with warehouse.begin() as conn:
        removed["deleted"] = _soft_deleted(conn, now - dt.timedelta(days=policy.soft_deleted_days), dry_run)
        removed["landing"] = _superseded(conn, now - dt.timedelta(days=policy.landing_days), dry_run)
        removed["rejected"] = _rejected(conn, now - dt.timedelta(days=policy.rejected_days), dry_run)
        removed["events"] = _events(conn, now - dt.timedelta(days=policy.event_days), dry_run)
    logger.info("retention at %s%s: %s", now, " (dry run)" if dry_run else "", removed)
    return RetentionReport(now, dry_run, removed)


def _run(conn: Connection, table: sa.Table, where: sa.ColumnElement[bool], dry_run: bool) -> int:
    if dry_run:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one())
    return int(conn.execute(table.delete().where(where)).rowcount)


def _superseded(conn: Connection, cutoff: dt.datetime, dry_run: bool) -> int:
    """Landed versions older than ``cutoff`` that a newer version replaced and no staged row came from
    (records deleted at their source are the ``deleted`` category's)."""
    latest = sa.select(sa.func.max(land_record.c.land_id)).group_by(
        land_record.c.source, land_record.c.entity, land_record.c.source_key
    )
    deleted = sa.exists(
        sa.select(stg_deletion.c.source_key).where(
            stg_deletion.c.source == land_record.c.source,
            stg_deletion.c.entity == land_record.c.entity,
            stg_deletion.c.source_key == land_record.c.source_key,
            stg_deletion.c.revived_batch.is_(None),
        )
    )
    terms = [land_record.c.received_at < cutoff, land_record.c.land_id.not_in(latest), ~deleted]
    for table in tables(conn):
        if "land_id" in table.c and table.name != land_record.name:
            terms.append(land_record.c.land_id.not_in(sa.select(table.c.land_id)))
    return _run(conn, land_record, sa.and_(*terms), dry_run)


def _rejected(conn: Connection, cutoff: dt.datetime, dry_run: bool) -> int:
    """Rejects and flagged raw values from batches started before ``cutoff``."""
    old = sa.select(ops_batch_run.c.batch_id).where(ops_batch_run.c.started_at < cutoff)
    return sum(_run(conn, t, t.c.batch_id.in_(old), dry_run) for t in (stg_reject, stg_field_flag))


def _soft_deleted(conn: Connection, cutoff: dt.datetime, dry_run: bool) -> int:
    """Every trace of records deleted at their source before ``cutoff`` and not come back since."""
    query = sa.select(stg_deletion).where(
        stg_deletion.c.deleted_at < cutoff, stg_deletion.c.revived_batch.is_(None)
    )
    gone = [dict(r._mapping) for r in conn.execute(query)]
    latest = {
        (r.source, r.entity, r.source_key): r.land_id
        for r in conn.execute(
            sa.select(
                land_record.c.source,
                land_record.c.entity,
                land_record.c.source_key,
                sa.func.max(land_record.c.land_id).label("land_id"),
            ).group_by(land_record.c.source, land_record.c.entity, land_record.c.source_key)
        )
    }
    removed = 0
    for row in gone:
        record = (row["source"], row["entity"], row["source_key"])
        if latest.get(record) != row["land_id"]:
            continue  # landed again after the deletion: not deleted any more
        versions = sa.and_(
            land_record.c.source == row["source"],
            land_record.c.entity == row["entity"],
            land_record.c.source_key == row["source_key"],
        )
        removed += _run(conn, land_record, versions, dry_run)
        removed += _run(
            conn,
            stg_deletion,
            sa.and_(
                stg_deletion.c.source == row["source"],
                stg_deletion.c.entity == row["entity"],
                stg_deletion.c.source_key == row["source_key"],
            ),
            dry_run,
        )
        if stg_customer.name in json.loads(row["staged_rows"] or "{}"):
            removed += _run(
                conn,
                customer_xref_deleted,
                sa.and_(
                    customer_xref_deleted.c.source == row["source"],
                    customer_xref_deleted.c.source_key == row["source_key"],
                ),
                dry_run,
            )
    return removed


def _events(conn: Connection, cutoff: dt.datetime, dry_run: bool) -> int:
    """Interaction-log events older than ``cutoff`` (nothing when the log does not exist)."""
    found = [t for t in tables(conn) if t.name == EVENT_TABLE]
    if not found:
        return 0
    table = found[0]
    column = _event_time(table)
    if column is None:
        logger.warning("%s has no time column: its events are kept", EVENT_TABLE)
        return 0
    return _run(conn, table, column < cutoff, dry_run)


def _event_time(table: sa.Table) -> sa.Column[Any] | None:
    for name in EVENT_TIME_COLUMNS:
        if name in table.c:
            return table.c[name]
    dated = [c for c in table.columns if isinstance(c.type, sa.DateTime)]
    return dated[0] if dated else None
