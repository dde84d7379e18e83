"""The deletion circuit breaker: deletions beyond a limit are held for a data steward, not applied.

A batch that would delete more than ``max_share`` of an entity's live records (and more than
``free_records`` of them), or more than ``max_records`` at all, keeps those deletions in
``ops_deletion_hold``: a truncated export or a half-synced sheet looks exactly like a mass deletion, and
only a person can tell them apart. Approving a hold lands its tombstones (the next batch applies them as
soft deletes); discarding it keeps the records, and the same absences are not held again. Both are
audited in ``ops_audit_log``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.errors import PipelineError
from pipeline.records import RawRecord
from warehouse import audit
from warehouse.schema import land_record, ops_deletion_hold, ops_deletion_hold_record

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger(__name__)

HELD, APPROVED, DISCARDED, RETURNED = "held", "approved", "discarded", "returned"
_DECISIONS: Final = {True: APPROVED, False: DISCARDED}


@dataclass(frozen=True)
class DeletionLimits:
    """How many deletions one batch may apply to one entity without a steward's approval."""

    max_share: float = 0.05
    free_records: int = 5  # a tiny table losing a few rows is not held, whatever the share
    max_records: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> DeletionLimits:
        return cls(settings.deletion_max_share, settings.deletion_free_records, settings.deletion_max_records)

    def reason_to_hold(self, deletions: int, live: int) -> str | None:
        """Why ``deletions`` of ``live`` records need approval, or ``None`` when they may go ahead."""
        if deletions > self.max_records:
            return f"{deletions} deletions, more than the {self.max_records} one batch may apply"
        if deletions > self.free_records and deletions > self.max_share * live:
            share = deletions / live if live else 1.0
            return (
                f"{deletions} of {live} live records ({share:.0%}), more than the {self.max_share:.0%} limit"
            )
        return None


class HoldError(PipelineError):
    """A hold that does not exist or was already decided."""


def hold(
    conn: Connection,
    batch_id: int,
    source: str,
    entity: str,
    tombstones: Sequence[RawRecord],
    live: int,
    reason: str,
    evidence: str,
    now: dt.datetime,
) -> int:
    """Keep ``tombstones`` back for a steward; returns the hold's id."""
    result = conn.execute(
        ops_deletion_hold.insert().values(
            batch_id=batch_id,
            source=source,
            entity=entity,
            records=len(tombstones),
            live_records=live,
            reason=reason[:500],
            evidence=evidence,
            status=HELD,
            created_at=now,
        )
    )
    hold_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    conn.execute(
        ops_deletion_hold_record.insert(),
        [
            {
                "hold_id": hold_id,
                "source_key": t.source_key,
                "content_hash": str(t.payload["last_hash"]),
                "payload": json.dumps(t.payload, sort_keys=True),
            }
            for t in tombstones
        ],
    )
    logger.warning("%s %s: %s; held for approval as hold %d", source, entity, reason, hold_id)
    return hold_id


def kept_absent(conn: Connection, source: str) -> dict[tuple[str, str], str]:
    """(entity, key) -> content hash of records whose deletion a steward held or discarded.

    While such a record stays absent in the same version, its absence is not inferred as a deletion again.
    """
    query = (
        sa.select(
            ops_deletion_hold.c.entity,
            ops_deletion_hold_record.c.source_key,
            ops_deletion_hold_record.c.content_hash,
        )
        .join(ops_deletion_hold_record, ops_deletion_hold_record.c.hold_id == ops_deletion_hold.c.hold_id)
        .where((ops_deletion_hold.c.source == source) & ops_deletion_hold.c.status.in_((HELD, DISCARDED)))
    )
    return {(r.entity, r.source_key): r.content_hash for r in conn.execute(query)}


def release_returned(conn: Connection, source: str, read: set[tuple[str, str]], now: dt.datetime) -> int:
    """Take records that were read again out of pending holds (they are not deleted); returns how many.

    A hold left with no records is closed as ``returned``: the file that lost them was put back.
    """
    pending = conn.execute(
        sa.select(
            ops_deletion_hold.c.hold_id, ops_deletion_hold.c.entity, ops_deletion_hold_record.c.source_key
        )
        .join(ops_deletion_hold_record, ops_deletion_hold_record.c.hold_id == ops_deletion_hold.c.hold_id)
        .where((ops_deletion_hold.c.source == source) & (ops_deletion_hold.c.status == HELD))
    ).all()
    back = [r for r in pending if (r.entity, r.source_key) in read]
    if not back:
        return 0
    record = ops_deletion_hold_record.c
    conn.execute(
        ops_deletion_hold_record.delete().where(
            (record.hold_id == sa.bindparam("h")) & (record.source_key == sa.bindparam("k"))
        ),
        [{"h": r.hold_id, "k": r.source_key} for r in back],
    )
    for hold_id in sorted({r.hold_id for r in back}):
        left = conn.execute(sa.select(sa.func.count()).where(record.hold_id == hold_id)).scalar_one()
        values: dict[str, Any] = {"records": left}
        if left == 0:
            values.update(status=RETURNED, decided_at=now, decided_by="pipeline")
            logger.info("deletion hold %d closed: every record it held was read again", hold_id)
        conn.execute(
            ops_deletion_hold.update().where(ops_deletion_hold.c.hold_id == hold_id).values(**values)
        )
    return len(back)


def holds(conn: Connection, status: str | None = None) -> list[dict[str, Any]]:
    """Holds, newest first (all, or those with ``status``)."""
    query = sa.select(ops_deletion_hold).order_by(ops_deletion_hold.c.hold_id.desc())
    if status is not None:
        query = query.where(ops_deletion_hold.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query)]


def decided_since(conn: Connection, since: dt.datetime | None) -> int:
    """Holds decided after ``since``: news for the next batch, even when the input files did not change."""
    query = (
        sa.select(sa.func.count())
        .select_from(ops_deletion_hold)
        .where(ops_deletion_hold.c.decided_at.is_not(None))
    )
    if since is not None:
        query = query.where(ops_deletion_hold.c.decided_at > since)
    return int(conn.execute(query).scalar_one())


def decide(conn: Connection, hold_id: int, approve: bool, actor: str, now: dt.datetime) -> int:
    """Approve (land the tombstones) or discard (keep the records) a held set; returns deletions landed.

    A record that changed or came back since it was held is not deleted by an approval.
    """
    row = conn.execute(sa.select(ops_deletion_hold).where(ops_deletion_hold.c.hold_id == hold_id)).first()
    if row is None:
        raise HoldError(f"no deletion hold {hold_id}")
    if row.status != HELD:
        raise HoldError(f"deletion hold {hold_id} was already {row.status}")
    landed = _land_tombstones(conn, row, now) if approve else 0
    conn.execute(
        ops_deletion_hold.update()
        .where(ops_deletion_hold.c.hold_id == hold_id)
        .values(status=_DECISIONS[approve], decided_at=now, decided_by=actor[:80])
    )
    detail = {
        "source": row.source,
        "entity": row.entity,
        "held": row.records,
        "deleted": landed,
        "reason": row.reason,
    }
    audit.append(
        conn,
        actor,
        f"deletions.{_DECISIONS[approve]}",
        f"ops_deletion_hold:{hold_id}",
        json.dumps(detail, sort_keys=True),
        at=now,
    )
    logger.info("deletion hold %d %s by %s: %d deletions landed", hold_id, _DECISIONS[approve], actor, landed)
    return landed


def _land_tombstones(conn: Connection, hold_row: Any, now: dt.datetime) -> int:
    records = conn.execute(
        sa.select(ops_deletion_hold_record).where(ops_deletion_hold_record.c.hold_id == hold_row.hold_id)
    ).all()
    latest = _latest_hashes(conn, hold_row.source, hold_row.entity, (r.source_key for r in records))
    rows = [
        {
            "source": hold_row.source,
            "entity": hold_row.entity,
            "source_key": r.source_key,
            "content_hash": RawRecord(
                hold_row.source, hold_row.entity, r.source_key, json.loads(r.payload)
            ).content_hash(),
            "payload": r.payload,
            "received_at": now,
            "batch_id": hold_row.batch_id,
        }
        for r in records
        if latest.get(r.source_key) == r.content_hash  # still the version the hold would delete
    ]
    if rows:
        conn.execute(land_record.insert(), rows)
    return len(rows)


def _latest_hashes(conn: Connection, source: str, entity: str, keys: Iterable[str]) -> Mapping[str, str]:
    wanted = set(keys)
    latest = (
        sa.select(sa.func.max(land_record.c.land_id))
        .where((land_record.c.source == source) & (land_record.c.entity == entity))
        .group_by(land_record.c.source_key)
    )
    query = sa.select(land_record.c.source_key, land_record.c.content_hash).where(
        land_record.c.land_id.in_(latest)
    )
    return {r.source_key: r.content_hash for r in conn.execute(query) if r.source_key in wanted}
