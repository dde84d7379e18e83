"""The tamper-evident audit log: ``ops_audit_log`` rows chained by SHA-256 hashes.

Each row's ``row_hash`` is the hash of the previous row's hash and its own values (time, actor, action,
object, detail, address); the first row follows :data:`GENESIS`. A unique index on ``prev_hash`` means
two writers can never both follow the same row: the loser retries on the new tail (PostgreSQL writers
also queue on an advisory lock). ``python -m warehouse.audit verify`` walks the chain in id order and
names the first row that was altered, removed or moved; the chain has no secret key, so it shows
tampering with existing rows, not rows appended by someone who can write the table (see docs/security.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.engine import Warehouse, WarehouseError
from warehouse.schema import ops_audit_log

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
ATTEMPTS = 50
_PG_LOCK_KEY = 360_0010  # the advisory lock PostgreSQL writers take for the tail of the chain
_FIELDS = ("at", "actor", "action", "object", "detail", "address")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _at_text(value: Any) -> str:
    """A timestamp as stored, in one form on every dialect (SQLite may hand it back as text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return str(value.isoformat(sep=" ", timespec="microseconds"))
    return str(value)


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The hash of a row's values (``at``, ``actor``, ``action``, ``object``, ``detail``, ``address``)
    chained to ``prev_hash``."""
    values = [prev_hash, _at_text(row["at"])] + [row.get(f) for f in _FIELDS[1:]]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tail(conn: Connection) -> str:
    """The hash of the last chained row, or :data:`GENESIS` for an empty chain."""
    t = ops_audit_log.c
    last = conn.execute(
        sa.select(t.row_hash).where(t.row_hash.is_not(None)).order_by(t.id.desc()).limit(1)
    ).scalar()
    return str(last) if last is not None else GENESIS


def _seal(conn: Connection, tail: str) -> str:
    """Chain rows written without a hash (by code that inserts into the table directly), oldest first."""
    t = ops_audit_log.c
    for row in (
        conn.execute(sa.select(ops_audit_log).where(t.row_hash.is_(None)).order_by(t.id)).mappings().all()
    ):
        digest = row_hash(tail, dict(row))
        conn.execute(ops_audit_log.update().where(t.id == row["id"]).values(prev_hash=tail, row_hash=digest))
        logger.info("audit row %s chained after it was written", row["id"])
        tail = digest
    return tail


def append(
    conn: Connection,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    address: str | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Append one chained row inside the caller's transaction and return its id.

    Use this where the audited change is written in the same transaction; :func:`record` otherwise.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    values = {
        "at": at or _utcnow(),
        "actor": actor[:80],
        "action": action[:80],
        "object": None if target is None else target[:200],
        "detail": detail,
        "address": None if address is None else address[:100],
    }
    tail = _seal(conn, _tail(conn))
    stored = values | {"at": _at_text(values["at"])}
    result = conn.execute(
        ops_audit_log.insert().values(**values, prev_hash=tail, row_hash=row_hash(tail, stored))
    )
    key = result.inserted_primary_key
    if key is None:
        raise WarehouseError("insert returned no id", table="ops_audit_log")
    return int(key[0])


def record(
    warehouse: Warehouse,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    address: str | None = None,
    now: Callable[[], dt.datetime] = _utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Append one row to the audit log in its own transaction, retrying when another writer took the
    tail first; returns the row's id."""
    at = now()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with warehouse.begin() as conn:
                return append(conn, actor, action, target, detail, address, at)
        except WarehouseError as e:
            conflict = isinstance(e.__cause__, sa.exc.IntegrityError | sa.exc.OperationalError)
            if not conflict or attempt == ATTEMPTS:
                raise
            logger.debug("audit: tail taken by another writer, attempt %d", attempt)
            sleep(random.uniform(0, 0.005 * attempt))  # retry jitter, not a secret  # nosec B311
    raise AssertionError("unreachable")  # pragma: no cover


def detail_json(**fields: Any) -> str:
    """An audit detail as stable JSON (sorted keys), so the same facts always read the same."""
    return json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)


# --- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to read: actor and action contain these texts (any case), ``at`` within the days."""

    actor: str = ""
    action: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        t = ops_audit_log.c
        terms: list[sa.ColumnElement[bool]] = []
        if self.actor.strip():
            terms.append(t.actor.icontains(self.actor.strip(), autoescape=True))
        if self.action.strip():
            terms.append(t.action.icontains(self.action.strip(), autoescape=True))
        if self.start is not None:
            terms.append(t.at >= dt.datetime.combine(self.start, dt.time()))
        if self.end is not None:
            terms.append(t.at < dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time()))
        return terms


AUDIT_COLUMNS = ("id", "at", "actor", "action", "object", "detail", "address")


def audit_query(wanted: AuditFilter, limit: int | None = None, offset: int = 0) -> sa.Select[Any]:
    """Audit rows matching ``wanted``, newest first."""
    t = ops_audit_log.c
    query = sa.select(*(t[c] for c in AUDIT_COLUMNS)).where(*wanted.conditions()).order_by(t.id.desc())
    return query if limit is None else query.limit(limit).offset(offset)


def audit_rows(
    warehouse: Warehouse, wanted: AuditFilter, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    return warehouse.rows(audit_query(wanted, limit, offset))


def audit_count(warehouse: Warehouse, wanted: AuditFilter) -> int:
    query = sa.select(sa.func.count()).select_from(ops_audit_log).where(*wanted.conditions())
    return int(warehouse.scalar(query) or 0)


# --- verification -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`: ``bad_id`` is the first row that breaks the chain (None: intact)."""

    rows: int
    head: str
    bad_id: int | None = None
    problem: str | None = None
    unchained: int = 0

    @property
    def ok(self) -> bool:
        return self.bad_id is None

    def message(self) -> str:
        if not self.ok:
            return f"BAD: row {self.bad_id}: {self.problem}"
        pending = f"; {self.unchained} newest row(s) not chained yet" if self.unchained else ""
        return f"OK: {self.rows} rows chained, head {self.head}{pending}"


def check(rows: Sequence[Mapping[str, Any]]) -> Verdict:
    """Check audit rows given in id order (pure: :func:`verify` reads them)."""
    expected, previous_id, pending = GENESIS, None, []
    for row in rows:
        if row["row_hash"] is None:
            pending.append(row["id"])
            continue
        after = f"row {previous_id}" if previous_id is not None else "the start of the log"
        if pending:
            return Verdict(
                rows=len(rows),
                head=expected,
                bad_id=pending[0],
                problem="has no hash (written outside the chain or its hash was removed)",
            )
        if row["prev_hash"] != expected:
            problem = f"does not follow {after}: a row between them was removed, inserted or moved"
            return Verdict(len(rows), expected, row["id"], problem)
        if row_hash(expected, row) != row["row_hash"]:
            return Verdict(len(rows), expected, row["id"], "was altered: its values no longer match its hash")
        expected, previous_id = str(row["row_hash"]), row["id"]
    return Verdict(len(rows) - len(pending), expected, unchained=len(pending))


def verify(warehouse: Warehouse) -> Verdict:
    """Walk the whole chain in id order; the verdict names the first bad row."""
    return check(warehouse.rows(sa.select(ops_audit_log).order_by(ops_audit_log.c.id)))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m warehouse.audit verify [--url URL]``: print OK or the first bad row; exit 1 when bad."""
    parser = argparse.ArgumentParser(prog="python -m warehouse.audit", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser("verify", help="check the audit log's hash chain")
    check_cmd.add_argument("--url", help="warehouse URL (default: the settings' warehouse)")
    args = parser.parse_args(argv)
    if args.url:
        url = args.url
    else:
        from settings import get_settings

        url = get_settings().warehouse_url
    warehouse = Warehouse.from_url(url)
    try:
        verdict = verify(warehouse)
    finally:
        warehouse.engine.dispose()
    print(verdict.message())  # noqa: T201 - the CLI answer
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
