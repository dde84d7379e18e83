"""Erasure (GDPR art. 17, CCPA deletion): one person pseudonymised everywhere, in one transaction.

The golden record, staged rows, field lineage, landed payloads (every version), rejects, deletions, the
event log and free text lose every identifying value; a sweep of every text column of every table then
replaces any identifying value still found elsewhere (a name in someone else's comment). Keys, amounts
and dates stay: invoices and payments are kept under legal obligation, scores and marts under the
pseudonymous golden key. The person's source records go on ``privacy_suppression``, so a source that
sends them again lands them already pseudonymised (``suppress_erased`` in the land step).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.records import RawRecord
from warehouse.engine import Warehouse
from warehouse.privacy.files import scrub_files
from warehouse.privacy.pseudonym import (
    IDENTIFYING_FIELDS,
    PSEUDONYM_COLUMNS,
    handle,
    pseudonym,
    replace_values,
    rewrite_payload,
    rewrite_row,
    sweep_values,
)
from warehouse.privacy.requests import check_customer, complete_request, open_request, utc_now
from warehouse.privacy.subject import Subject, find_subject, row_in, subject_clause, tables
from warehouse.privacy.values import identifying_values, shared_values
from warehouse.schema import (
    fact_payment,
    fact_sales_line,
    golden_field,
    land_record,
    metadata,
    privacy_suppression,
    relationship_value,
    stg_deletion,
)
from warehouse.schema.encrypted import with_blind_indexes
from warehouse.users import record_audit

logger = logging.getLogger(__name__)

#: Kept under legal obligation (bookkeeping records): rows stay, under the pseudonymous golden key.
LEGAL_OBLIGATION = (fact_sales_line.name, fact_payment.name)
JSON_COLUMNS = {("stg_deletion", "staged_rows"), ("ops_deletion_hold_record", "payload")}


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure changed: rows per table, source records suppressed, files rewritten or removed."""

    customer_key: int
    pseudonym: str
    request_id: int
    rows: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)  # rows kept under legal obligation
    suppressed: int = 0
    files: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        return {
            "pseudonym": self.pseudonym,
            "rows": self.rows,
            "kept": self.kept,
            "suppressed_records": self.suppressed,
            "files": list(self.files),
        }


def erase_subject(
    warehouse: Warehouse,
    customer_key: int,
    by: str,
    reason: str,
    var_dir: Path | None = None,
    now: Callable[[], dt.datetime] = utc_now,
) -> ErasureReport:
    """Pseudonymise ``customer_key`` everywhere (and in the files under ``var_dir``); audited."""
    alias = pseudonym(customer_key)
    with warehouse.begin() as conn:
        check_customer(conn, customer_key)
        if warehouse.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left readable
        request_id = open_request(conn, "erasure", customer_key, by, now())
        subject = find_subject(conn, customer_key)
        every_table = tables(conn)
        values = identifying_values(conn, subject, every_table)
        sweep = sweep_values(values - shared_values(conn, subject, values))
        rows: Counter[str] = Counter()
        rows[land_record.name] = _rewrite_landing(conn, subject, alias, sweep)
        # The values the relationships keep (and their keyed hashes) go: the next batch builds them in full.
        kept_values = relationship_value.delete().where(relationship_value.c.customer_key == customer_key)
        rows[relationship_value.name] = conn.execute(kept_values).rowcount
        for table in every_table:
            if table.name != land_record.name:
                rows[table.name] += _rewrite_table(conn, table, subject, alias, sweep)
        for table in every_table:
            rows[table.name] += _sweep_table(conn, table, sweep, alias)
        suppressed = _suppress(conn, subject, alias, request_id, now())
        kept = {
            name: int(
                conn.execute(
                    sa.select(sa.func.count()).where(metadata.tables[name].c.customer_key == customer_key)
                ).scalar_one()
            )
            for name in LEGAL_OBLIGATION
        }
        report = ErasureReport(
            customer_key, alias, request_id, {k: v for k, v in sorted(rows.items()) if v}, kept, suppressed
        )
        complete_request(conn, request_id, now(), report.summary())
    if var_dir is not None:
        report = replace(report, files=tuple(scrub_files(var_dir, sweep, alias)))
        with warehouse.begin() as conn:
            complete_request(conn, request_id, now(), report.summary())
    _reclaim(warehouse, [t for t, n in report.rows.items() if n])
    detail = f"pseudonymised as {alias}; reason: {replace_values(reason, sweep, alias)}"
    record_audit(warehouse, by, "privacy_erasure", f"customer:{customer_key}", detail[:2000], now)
    logger.info("customer %d erased as %s: %s", customer_key, alias, report.rows)
    return report


def _rewrite_landing(conn: Connection, subject: Subject, alias: str, sweep: list[str]) -> int:
    """Every landed version of the person's records rewritten; the content hash becomes that of the rewrite,
    which is what the land step makes of the record when its source sends it again (so nothing new lands)."""
    changed = 0
    for triples in _chunks(sorted(subject.landed)):
        query = sa.select(land_record).where(
            row_in((land_record.c.source, land_record.c.entity, land_record.c.source_key), triples)
        )
        for row in conn.execute(query).all():
            rewritten = rewrite_payload(json.loads(row.payload), alias)
            content_hash = RawRecord(row.source, row.entity, row.source_key, rewritten).content_hash()
            text = json.dumps(rewritten, sort_keys=True, default=str, ensure_ascii=False)
            text = replace_values(text, sweep, alias)  # a value outside the known fields goes too
            conn.execute(
                land_record.update()
                .where(land_record.c.land_id == row.land_id)
                .values(payload=text, content_hash=content_hash)
            )
            changed += 1
    return changed


def _rewrite_table(conn: Connection, table: sa.Table, subject: Subject, alias: str, sweep: list[str]) -> int:
    """The person's rows of one table: identifying columns blanked or pseudonymised, JSON rewritten."""
    clause = subject_clause(table, subject)
    if clause is None:
        return 0
    changed = 0
    for row in [dict(r._mapping) for r in conn.execute(sa.select(table).where(clause))]:
        changes = _row_changes(table, row, alias, sweep)
        if changes:
            where = [
                table.c[k] == v if v is not None else table.c[k].is_(None) for k, v in _identity(table, row)
            ]
            values = with_blind_indexes(table, changes, conn.dialect)  # a changed e-mail's lookup hash too
            conn.execute(table.update().where(clause, *where).values(**values))
            changed += 1
    return changed


def _identity(table: sa.Table, row: dict[str, Any]) -> list[tuple[str, Any]]:
    """The columns that pick out one row: its primary key, or every non-text column when it has none."""
    keys = [c.name for c in table.primary_key.columns]
    if not keys:
        keys = [c.name for c in table.columns if not isinstance(c.type, sa.String | sa.Text)]
    return [(k, row[k]) for k in keys]


def _row_changes(table: sa.Table, row: dict[str, Any], alias: str, sweep: list[str]) -> dict[str, Any]:
    changes = rewrite_row({k: v for k, v in row.items() if k in table.c}, alias)
    if table.name == golden_field.name:
        changes = {}
        if row["field"] in IDENTIFYING_FIELDS and row["value"]:
            changes["value"] = alias if row["field"] in PSEUDONYM_COLUMNS else None
            if row["field"] == "instagram_handle":
                changes["value"] = handle(alias)
    for column in table.columns:
        value = row.get(column.name)
        if not isinstance(value, str) or column.name in changes or column.name in ("source", "source_key"):
            continue
        if (table.name, column.name) in JSON_COLUMNS or (
            table.name not in metadata.tables and _is_json(value)
        ):
            new = _rewrite_json(value, alias, table.name == stg_deletion.name)
        else:
            new = replace_values(value, sweep, alias)
        if new != value:
            changes[column.name] = new
    for name, value in list(changes.items()):
        if value is None and not table.c[name].nullable:
            changes[name] = ""
    return changes


def _rewrite_json(text: str, alias: str, staged: bool) -> str:
    data = json.loads(text)
    if staged:  # {table: [row, ...]}
        data = {t: [r | rewrite_row(r, alias) for r in rows] for t, rows in data.items()}
    else:
        data = rewrite_payload(data, alias)
    return json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)


def _is_json(value: str) -> bool:
    if not value.startswith(("{", "[")):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _sweep_table(conn: Connection, table: sa.Table, sweep: list[str], alias: str) -> int:
    """Any identifying value left in any text column of ``table`` replaced by the pseudonym."""
    if not sweep:
        return 0
    changed = 0
    for column in [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]:
        lowered = sa.func.lower(column)
        hit = sa.or_(*(lowered.contains(v.lower(), autoescape=True) for v in sweep))
        for old in conn.execute(sa.select(column).where(hit).distinct()).scalars().all():
            new = replace_values(old, sweep, alias)
            if new != old:
                changed += conn.execute(
                    table.update().where(column == old).values({column.name: new})
                ).rowcount
    return changed


def _suppress(conn: Connection, subject: Subject, alias: str, request_id: int, now: dt.datetime) -> int:
    """Put every landed record of the person on the suppression list (kept on a repeated erasure)."""
    known = {
        (r[0], r[1], r[2])
        for r in conn.execute(
            sa.select(
                privacy_suppression.c.source, privacy_suppression.c.entity, privacy_suppression.c.source_key
            )
        )
    }
    rows = [
        {
            "source": s,
            "entity": e,
            "source_key": k,
            "customer_key": subject.customer_key,
            "pseudonym": alias,
            "request_id": request_id,
            "erased_at": now,
        }
        for s, e, k in sorted(subject.landed - known)
    ]
    if rows:
        conn.execute(privacy_suppression.insert(), rows)
    return len(subject.landed)


def _reclaim(warehouse: Warehouse, changed: list[str]) -> None:
    """Make the old values unreadable on disk too: SQLite rewrites its file, PostgreSQL vacuums the tables."""
    try:
        with warehouse.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if warehouse.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("VACUUM")
            elif warehouse.dialect == "postgresql":
                for name in changed:
                    conn.exec_driver_sql(f'VACUUM "{name}"')
    except sa.exc.SQLAlchemyError:
        logger.warning(
            "could not reclaim the space of erased values (%s): do it by hand", changed, exc_info=True
        )


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
