"""Everything the warehouse holds about one person, found from the schema rather than from a hand list.

Tables are discovered from the live database (so tables added later, such as the interaction log
``evt_log``, are covered when present and skipped when absent) and linked to the person four ways:

1. every table with a column named ``customer_key`` (or ``customer_key_a``/``customer_key_b``): the golden
   record, its field lineage (``golden_field``), identity events, facts, marts, scores, consent, requests
   and the event log;
2. the person's source records: the (source, source_key) pairs the cross-reference links to the golden key
   (``customer_xref``, and ``customer_xref_deleted`` for records their source deleted), staged in
   ``stg_customer``;
3. every staging table with a ``land_id`` whose ``customer_source_key`` (with ``customer_source``, else
   ``source``) points at one of those records: sales lines, payments, interactions; and soft-deleted rows,
   kept as JSON in ``stg_deletion``, that did;
4. by the landed record they come from, (source, entity, source_key): every version in ``land_record``,
   rejects (``stg_reject``), field flags (``stg_field_flag``), deletions (``stg_deletion``), held
   deletions (``ops_deletion_hold_record``); identity review pairs name records as ``source|source_key``.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import (
    customer_xref,
    customer_xref_deleted,
    identity_review,
    land_record,
    metadata,
    ops_deletion_hold,
    ops_deletion_hold_record,
    stg_customer,
    stg_deletion,
)

logger = logging.getLogger(__name__)

#: Tables that are machinery, not data about anyone.
SKIPPED_TABLES = frozenset({"alembic_version", "ops_scheduler_job"})
#: Tables linked by the landed record (source, entity, key column).
RECORD_TABLES = {"land_record": "source_key", "stg_reject": "record_key", "stg_field_flag": "record_key"}
CHUNK = 500  # keys per IN list

Triple = tuple[str, str, str]  # (source, entity, source_key) of a landed record
Pair = tuple[str, str]  # (source, source_key) as the cross-reference names a record


@dataclass
class Subject:
    """One person's footprint: their golden key, their source records and the landed records behind them."""

    customer_key: int
    records: set[Pair] = field(default_factory=set)  # the person's own (customer) records
    deleted: set[Pair] = field(default_factory=set)  # ... of which their source deleted these
    landed: set[Triple] = field(default_factory=set)  # every landed record about them, documents too

    @property
    def review_names(self) -> set[str]:
        """The ``source|source_key`` names identity review pairs use."""
        return {f"{s}|{k}" for s, k in self.records}


def tables(conn: Connection) -> list[sa.Table]:
    """Every data table in the database: the schema's own, and any other a later revision added (reflected)."""
    names = set(sa.inspect(conn).get_table_names()) - SKIPPED_TABLES
    found = [metadata.tables[n] for n in sorted(names) if n in metadata.tables]
    extra = sa.MetaData()
    for name in sorted(names - set(metadata.tables)):
        found.append(sa.Table(name, extra, autoload_with=conn))
    return found


def key_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns of ``table`` that hold a golden customer key."""
    return [c for c in table.columns if c.name == "customer_key" or c.name.startswith("customer_key_")]


def find_subject(conn: Connection, customer_key: int) -> Subject:
    """The person behind ``customer_key``: their records and every landed record that is about them."""
    subject = Subject(customer_key)
    for table in (customer_xref, customer_xref_deleted):
        pairs = {
            (r[0], r[1])
            for r in conn.execute(
                sa.select(table.c.source, table.c.source_key).where(table.c.customer_key == customer_key)
            )
        }
        subject.records |= pairs
        if table is customer_xref_deleted:
            subject.deleted = pairs
    land_ids: set[int] = set()
    for chunk in _chunks(sorted(subject.records)):
        land_ids |= set(
            conn.execute(
                sa.select(stg_customer.c.land_id).where(
                    row_in((stg_customer.c.source, stg_customer.c.source_key), chunk)
                )
            ).scalars()
        )
    for table in tables(conn):
        clause = document_clause(table, subject.records)
        if clause is not None and "land_id" in table.c:
            land_ids |= set(conn.execute(sa.select(table.c.land_id).where(clause)).scalars())
    for ids in _chunks(sorted(land_ids)):
        subject.landed |= {
            (r[0], r[1], r[2])
            for r in conn.execute(
                sa.select(land_record.c.source, land_record.c.entity, land_record.c.source_key).where(
                    land_record.c.land_id.in_(ids)
                )
            )
        }
    subject.landed |= _soft_deleted(conn, subject.records)
    logger.info(
        "customer %d: %d source records, %d landed records",
        customer_key,
        len(subject.records),
        len(subject.landed),
    )
    return subject


def document_clause(table: sa.Table, records: set[Pair]) -> sa.ColumnElement[bool] | None:
    """Rows of a staging table that point at one of ``records`` through ``customer_source_key``."""
    if "customer_source_key" not in table.c or not records:
        return None
    source = table.c["customer_source"] if "customer_source" in table.c else table.c["source"]
    return row_in((source, table.c.customer_source_key), records)


def _soft_deleted(conn: Connection, records: set[Pair]) -> set[Triple]:
    """Records their source deleted whose staged rows (kept as JSON) were the person's or pointed at them."""
    found: set[Triple] = set()
    sources = sorted({s for s, _ in records})
    if not sources:
        return found
    query = sa.select(
        stg_deletion.c.source, stg_deletion.c.entity, stg_deletion.c.source_key, stg_deletion.c.staged_rows
    ).where(stg_deletion.c.source.in_(sources))
    for source, entity, key, staged in conn.execute(query):
        if _mentions(source, json.loads(staged or "{}"), records):
            found.add((source, entity, key))
    return found


def _mentions(source: str, staged: dict[str, list[dict[str, Any]]], records: set[Pair]) -> bool:
    for table, rows in staged.items():
        for row in rows:
            if table == stg_customer.name and (source, str(row.get("source_key"))) in records:
                return True
            target = (str(row.get("customer_source") or source), str(row.get("customer_source_key")))
            if "customer_source_key" in row and target in records:
                return True
    return False


def subject_clause(table: sa.Table, subject: Subject) -> sa.ColumnElement[bool] | None:
    """The WHERE clause selecting ``subject``'s rows of ``table``, or ``None`` when it holds none of theirs."""
    terms: list[sa.ColumnElement[bool]] = [c == subject.customer_key for c in key_columns(table)]
    if table.name == stg_customer.name and subject.records:
        terms.append(row_in((table.c.source, table.c.source_key), subject.records))
    documents = document_clause(table, subject.records)
    if documents is not None:
        terms.append(documents)
    landed = sorted(subject.landed)
    key_name = RECORD_TABLES.get(table.name) or ("source_key" if table.name == stg_deletion.name else None)
    if key_name and landed:
        terms.append(row_in((table.c.source, table.c.entity, table.c[key_name]), landed))
    if table.name == identity_review.name and subject.records:
        names = sorted(subject.review_names)
        terms.append(sa.or_(table.c.record_l.in_(names), table.c.record_r.in_(names)))
    if table.name == ops_deletion_hold_record.name and landed:
        terms.append(_held_clause(table, landed))
    return sa.or_(*terms) if terms else None


def _held_clause(table: sa.Table, landed: list[Triple]) -> sa.ColumnElement[bool]:
    """Held tombstones of the person's records: the hold names the source and entity, the row the key."""
    joined = (
        sa.select(ops_deletion_hold.c.hold_id)
        .where(ops_deletion_hold.c.hold_id == table.c.hold_id)
        .where(row_in((ops_deletion_hold.c.source, ops_deletion_hold.c.entity, table.c.source_key), landed))
    )
    return sa.exists(joined)


def subject_rows(conn: Connection, table: sa.Table, subject: Subject) -> list[dict[str, Any]]:
    """``subject``'s rows of ``table`` as dicts (none when it holds none of theirs)."""
    clause = subject_clause(table, subject)
    if clause is None:
        return []
    return [dict(r._mapping) for r in conn.execute(sa.select(table).where(clause))]


def row_in(
    columns: Sequence[sa.ColumnElement[Any]], rows: Iterable[tuple[str, ...]]
) -> sa.ColumnElement[bool]:
    """``(columns) IN rows`` as an OR over the leading values with an IN on the last column: every dialect
    runs it (SQL Server has no row-value IN) and it stays short (one term per source and entity)."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[:-1])].append(row[-1])
    if not groups:
        return sa.false()
    return sa.or_(
        *(
            sa.and_(*(c == v for c, v in zip(columns[:-1], head, strict=True)), columns[-1].in_(sorted(last)))
            for head, last in sorted(groups.items())
        )
    )


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
