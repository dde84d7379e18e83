"""What changed since the core step last built: the golden customers and staging rows to build again.

Read from the warehouse, never from the batch's input: records whose golden key changed, appeared or went
(``customer_xref`` against ``core_member``, the cross-reference the last build used), staging rows staged
since (a ``land_id`` above the stage watermark the last build saw) or soft-deleted since (``stg_deletion``),
customers whose steward overrides changed, and customers whose survivorship ties a changed word count may
break otherwise. A customer is touched when any of those is about one of its records, or when a sales line
of its was added or removed (it may become, or stop being, a buyer); every fact of a touched customer's
records is made again, with every fact of a changed staging row.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.steps.core_state import CoreState, override_digests
from pipeline.steps.facts import RULES, UNCONVERTED
from pipeline.steps.golden import Vocabulary
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    core_member,
    customer_xref,
    customer_xref_deleted,
    dim_customer,
    fact_sales_line,
    golden_field,
    stg_campaign_daily,
    stg_customer,
    stg_deletion,
    stg_interaction,
    stg_payment,
    stg_reject,
    stg_sales_line,
)

logger = logging.getLogger(__name__)

Record = tuple[str, str]  # (source, source_key) of a customer record
CHUNK = 500  # keys per IN list


@dataclass
class Delta:
    """What the build redoes: touched customers (``customers``), records whose key changed (``moved``:
    record -> its new key, None when it left), and staging rows deleted since, per staging table; and the
    customers whose golden values must be worked out again to know if they changed (``suspects``)."""

    customers: set[int] = field(default_factory=set)
    moved: dict[Record, int | None] = field(default_factory=dict)
    deleted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    every_buyer: bool = False  # a re-staged document may have left a customer we cannot name: check all
    suspects: set[int] = field(default_factory=set)  # their ties broke on word counts that changed


def staged_since(table: sa.Table, marks: dict[str, int]) -> sa.ColumnElement[bool]:
    """Rows of a staging table staged after the marks (a source without one: every row)."""
    after = [(table.c.source == s) & (table.c.land_id > m) for s, m in sorted(marks.items())]
    return sa.or_(*after, table.c.source.not_in(sorted(marks))) if marks else sa.true()


def find(conn: Connection, state: CoreState, words: Vocabulary) -> Delta:
    """Every customer the build must redo, and why (read only: a full build may follow instead)."""
    delta = Delta()
    _moved_records(conn, state.batch, delta)
    why = {"records moved": len(delta.customers)}
    x = customer_xref
    restaged = (
        sa.select(x.c.customer_key)
        .select_from(stg_customer.join(x, _same_record(stg_customer, x)))
        .where(staged_since(stg_customer, state.staged))
        .distinct()
    )
    restaged_keys = set(conn.execute(restaged).scalars())
    why["records staged again"] = len(restaged_keys)
    delta.customers.update(restaged_keys)
    now = override_digests(conn)
    delta.customers.update(
        k for k in now.keys() | state.overrides.keys() if now.get(k) != state.overrides.get(k)
    )
    tied = {
        key
        for key, fields in state.ties.items()
        if any(words.get(f, {}).get(w, 0) != n for f, counts in fields.items() for w, n in counts.items())
    }
    why["ties a word count may move"] = len(tied - delta.customers)
    delta.suspects = tied - delta.customers
    delta.deleted = _deleted_rows(conn, state.staged)
    before = len(delta.customers)
    _line_customers(conn, state.staged, delta)
    why["sales lines added or removed"] = len(delta.customers) - before
    delta.customers.discard(UNIDENTIFIED_CUSTOMER_KEY)
    delta.suspects -= delta.customers
    logger.info(
        "core: %d customers touched (%s)",
        len(delta.customers),
        ", ".join(f"{k}: {n}" for k, n in why.items()),
    )
    return delta


def golden_moved(conn: Connection, provenance: list[dict[str, Any]], keys: set[int]) -> set[int]:
    """The customers among ``keys`` whose provenance (``golden_field``) differs from ``provenance``: the same
    winning records with the same rules give the same golden row (their records and overrides did not change)."""
    columns = ("field", "value", "source", "source_key", "rule", "candidates")
    fresh: dict[int, set[tuple[Any, ...]]] = {k: set() for k in keys}
    for p in provenance:
        fresh[p["customer_key"]].add(tuple(p[c] for c in columns))
    held: dict[int, set[tuple[Any, ...]]] = {k: set() for k in keys}
    g = golden_field.c
    for chunk in chunks(sorted(keys)):
        query = sa.select(g.customer_key, *(g[c] for c in columns)).where(g.customer_key.in_(chunk))
        for row in conn.execute(query):
            held[row[0]].add(tuple(row[1:]))
    return {k for k in keys if fresh[k] != held[k]}


def records_of(conn: Connection, customers: Iterable[int]) -> set[Record]:
    """Every record the cross-reference gives one of ``customers``."""
    found: set[Record] = set()
    x = customer_xref
    for chunk in chunks(sorted(customers)):
        query = sa.select(x.c.source, x.c.source_key).where(x.c.customer_key.in_(chunk))
        found.update((r.source, r.source_key) for r in conn.execute(query))
    return found


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def matching(
    columns: Sequence[sa.ColumnElement[Any]], keys: Iterable[Sequence[Any]]
) -> list[sa.ColumnElement[bool]]:
    """Conditions that together pick the rows whose ``columns`` equal one of ``keys``: equal leading columns
    and the last column in a list, per value of the leading ones. (SQLite searches an index for
    ``(a, b) IN (VALUES ...)`` only when the list has one row; with more it reads the whole table.)"""
    last: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
    for key in keys:
        last[tuple(key[:-1])].add(key[-1])
    return [
        sa.and_(*(c == v for c, v in zip(columns[:-1], lead, strict=True)), columns[-1].in_(chunk))
        for lead, values in sorted(last.items())
        for chunk in chunks(sorted(values))
    ]


def _same_record(staged: sa.Table, xref: sa.Table) -> sa.ColumnElement[bool]:
    return (staged.c.source == xref.c.source) & (staged.c.source_key == xref.c.source_key)


def _moved_records(conn: Connection, last: int, delta: Delta) -> None:
    """Records whose key changed or that are new since batch ``last``, and records deleted at their source
    since: their old and new keys are touched."""
    x, m, d = customer_xref, core_member, customer_xref_deleted
    moved = (
        sa.select(x.c.source, x.c.source_key, x.c.customer_key, m.c.customer_key.label("old"))
        .select_from(x.outerjoin(m, _same_record(x, m)))
        .where(x.c.batch_id > last, m.c.customer_key.is_(None) | (m.c.customer_key != x.c.customer_key))
    )
    for r in conn.execute(moved):
        delta.moved[(r.source, r.source_key)] = int(r.customer_key)
        delta.customers.update(k for k in (r.customer_key, r.old) if k is not None)
    gone = (
        sa.select(m.c.source, m.c.source_key, m.c.customer_key)
        .join(d, _same_record(m, d))
        .where(d.c.batch_id > last)
    )
    for source, key, customer in conn.execute(gone):
        delta.moved[(source, key)] = None
        delta.customers.add(int(customer))


def _deleted_rows(conn: Connection, marks: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Staged rows soft-deleted since the marks, per staging table (as ``stg_deletion`` keeps them)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    query = sa.select(stg_deletion.c.staged_rows).where(staged_since(stg_deletion, marks))
    for text in conn.execute(query).scalars():
        for table, found in json.loads(text).items():
            rows.setdefault(table, []).extend(found)
    return rows


def _line_customers(conn: Connection, marks: dict[str, int], delta: Delta) -> None:
    """Customers a sales line was added to or removed from since the marks are touched (buyers or not)."""
    t = stg_sales_line
    new = conn.execute(
        sa.select(t.c.source, t.c.doc_type, t.c.doc_key, t.c.customer_source_key)
        .where(staged_since(t, marks))
        .distinct()
    ).all()
    gone = delta.deleted.get(t.name, [])
    docs = {(r.source, r.doc_type, r.doc_key) for r in new} | {
        (r["source"], r["doc_type"], r["doc_key"]) for r in gone
    }
    records = {(r.source, r.customer_source_key) for r in new} | {
        (r["source"], r["customer_source_key"]) for r in gone
    }
    x = customer_xref
    for condition in matching([x.c.source, x.c.source_key], records):
        delta.customers.update(conn.execute(sa.select(x.c.customer_key).where(condition)).scalars())
    f = fact_sales_line
    for condition in matching([f.c.source, f.c.doc_type, f.c.doc_key], docs):
        delta.customers.update(conn.execute(sa.select(f.c.customer_key).where(condition)).scalars())
    restaged = {(s, f"{d}/{k}") for s, d, k in {(r.source, r.doc_type, r.doc_key) for r in new}}
    if restaged:
        r = stg_reject.c
        rejected = conn.execute(
            sa.select(r.source, r.record_key).where(r.rule == UNCONVERTED, r.entity == "SalesLine")
        )
        delta.every_buyer = any((row.source, row.record_key) in restaged for row in rejected)


def customers_now(conn: Connection) -> int:
    """How many golden rows there are (the share a build redoes is measured against it)."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(dim_customer)).scalar_one())


def staged_tables() -> tuple[sa.Table, ...]:
    """The staging tables facts are made of, in the order ``Staged`` holds them."""
    return (stg_sales_line, stg_payment, stg_interaction, stg_campaign_daily)


def core_rejects(conn: Connection) -> list[tuple[str, str, str, str]]:
    """The rows the core step keeps in ``stg_reject`` (few): (source, entity, record_key, rule)."""
    r = stg_reject.c
    query = sa.select(r.source, r.entity, r.record_key, r.rule).where(r.rule.in_(RULES))
    return [(row[0], row[1], row[2], row[3]) for row in conn.execute(query)]
