"""Relationships: connections between golden customers -> ``customer_relationship``.

What each customer holds that a relationship may rest on (``relationship_value``: the standardised phones,
addresses, web domains and contacts of its staged records, the names a referral may give it, its Instagram
handle, the referral field or note of the landed version each record was staged from) is kept, under a keyed
hash so equal values meet in SQL. A batch after core changed only some customers works those customers'
values out again; where a customer's shared values changed, every pair of every customer holding one of the
values it gained or lost is made again (a value's strength depends on how many hold it). Referrals and
mentions are resolved again each batch, from the kept referral notes and the interactions' text. Without
core's changes, or after an erasure (which rewrites kept values in place), everything is built again.
Either way the rows are those ``pipeline.identity.relationships`` finds from every customer's values.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.changes import caught_up, changes_since
from pipeline.identity.relationships import (
    HANDLE,
    MAX_HOLDERS,
    NAME,
    REFERRAL,
    SHARED,
    Relationship,
    customer_values,
    mention_relationships,
    mentioned_handles,
    merge,
    referral_relationships,
    referrers,
    shared_value_relationships,
)
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.steps.core_delta import chunks
from warehouse.crypto import Keyring, keyring_of
from warehouse.engine import insert_rows
from warehouse.frames import decrypted, is_encrypted, read_frame, stored_form
from warehouse.privacy.requests import erasure_count
from warehouse.schema import (
    customer_relationship,
    customer_xref,
    fact_interaction,
    relationship_value,
    stg_customer,
)

logger = logging.getLogger(__name__)

STEP = "relationships"
ERASURES = "relationships:erasures"  # completed erasures when the values were last built in full
CUSTOMERS_AT_ONCE: Final = 5_000  # customers whose values a full build works out together (a range of keys)
#: What the relationships read of a staged customer record (``pipeline.identity.relationships``).
READ: Final = (
    "company_name", "display_name", "given_name", "family_name", "email", "phone", "street", "postcode",
    "country", "website", "instagram_handle",
)  # fmt: skip
RESOLVED: Final = ("referral", "instagram_mention")  # kinds resolved again in every batch

Values = dict[int, dict[tuple[str, str], str]]  # customer -> (kind, digest) -> value


def build_relationships(conn: Connection, batch_id: int) -> StepResult:
    """Bring ``customer_relationship`` up to date with the golden customers, in the caller's transaction."""
    erasures = str(erasure_count(conn))
    changes = changes_since(conn, STEP, batch_id)
    if changes is None or get_watermark(conn, ERASURES) != erasures:
        read, shared, how = _rebuild(conn)
    else:
        read, shared, how = _redo(conn, sorted(changes.customers | _without_values(conn)))
    resolved = _resolved(conn)
    set_watermark(conn, ERASURES, erasures, batch_id)
    caught_up(conn, STEP, batch_id)
    kinds: dict[str, int] = defaultdict(int)
    for r in (*shared, *resolved):
        kinds[r.kind] += 1
    written = len(shared) + len(resolved)
    logger.info("relationships %s: %d written, %s", how, written, dict(kinds))
    return StepResult(
        rows_in=read,
        rows_out=written,
        lineage={("stg_customer", "customer_relationship"): written},
        message=f"{how}; " + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "no relationships"),
    )


def _rebuild(conn: Connection) -> tuple[int, list[Relationship], str]:
    """Every customer's values and every relationship built again."""
    conn.execute(relationship_value.delete())
    keys = sorted(set(conn.execute(sa.select(customer_xref.c.customer_key).distinct()).scalars()))
    read = 0
    for part in chunks(keys, CUSTOMERS_AT_ONCE):
        values = _values_of(conn, customer_xref.c.customer_key.between(part[0], part[-1]))
        read += insert_rows(conn, relationship_value, _value_rows(values))
    conn.execute(customer_relationship.delete().where(customer_relationship.c.kind.in_(SHARED)))
    shared = _shared(conn, None)
    insert_rows(conn, customer_relationship, map(_row, shared))
    return read, shared, "built in full"


def _redo(conn: Connection, customers: Sequence[int]) -> tuple[int, list[Relationship], str]:
    """The values of ``customers`` worked out again; the pairs of everyone sharing a value one of them gained
    or lost made again."""
    moved: set[str] = set()  # digests of shared values that gained or lost a holder
    changed: set[int] = set()  # customers whose values changed
    left: set[int] = set()  # customers who gained or lost a shared value
    v = relationship_value
    for part in chunks(customers):  # an IN list each (SQL Server takes at most 2,100 parameters)
        new = _values_of(conn, customer_xref.c.customer_key.in_(part))
        old: dict[int, set[tuple[str, str]]] = defaultdict(set)
        held = sa.select(v.c.customer_key, v.c.kind, v.c.digest).where(v.c.customer_key.in_(part))
        for key, kind, digest in conn.execute(held):
            old[key].add((kind, digest))
        differ = [key for key in part if set(new.get(key, {})) != old.get(key, set())]
        for key in differ:
            gained_or_lost = {d for kind, d in set(new.get(key, {})) ^ old.get(key, set()) if kind in SHARED}
            moved |= gained_or_lost
            if gained_or_lost:
                left.add(key)
        conn.execute(v.delete().where(v.c.customer_key.in_(differ)))
        insert_rows(conn, relationship_value, _value_rows({k: new[k] for k in differ if k in new}))
        changed.update(differ)
    touched = _holders(conn, sorted(moved)) | left
    for inner in chunks(sorted(touched)):
        r = customer_relationship
        conn.execute(
            r.delete().where(
                r.c.kind.in_(SHARED), r.c.customer_key_a.in_(inner) | r.c.customer_key_b.in_(inner)
            )
        )
    digests = _digests_held(conn, sorted(touched))
    shared = [r for r in _shared(conn, digests) if r.customer_key_a in touched or r.customer_key_b in touched]
    insert_rows(conn, customer_relationship, map(_row, shared))
    how = f"{len(changed)} of {len(customers)} customers' values changed, {len(touched)} customers' pairs redone"
    return len(customers), shared, how


def _without_values(conn: Connection) -> set[int]:
    """Customers with records but no values kept (new since, or their values were removed)."""
    v = relationship_value
    has = sa.select(v.c.customer_key).where(v.c.customer_key == customer_xref.c.customer_key).exists()
    return set(conn.execute(sa.select(customer_xref.c.customer_key).where(~has).distinct()).scalars())


def _values_of(conn: Connection, which: sa.ColumnElement[bool]) -> Values:
    """What the customers ``which`` picks (a filter of ``customer_xref.c.customer_key``) hold, by customer."""
    keyring = keyring_of(conn.dialect)
    out: Values = defaultdict(dict)
    for record in _records(conn, which):
        key = int(record["customer_key"])
        for kind, value in customer_values(record):
            out[key][(kind, _digest(keyring, kind, value))] = value
    for key, text in _referrals(conn, which):
        out[key][(REFERRAL, _digest(keyring, REFERRAL, text))] = text
    return out


def _digest(keyring: Keyring, kind: str, value: str) -> str:
    """The keyed hash a value is kept and looked up under (values are never blank)."""
    return keyring.blind_index(kind, value) or ""


def _value_rows(values: Values) -> Iterator[dict[str, Any]]:
    for key in sorted(values):
        for (kind, digest), value in sorted(values[key].items()):
            shown = None if kind in (NAME, HANDLE) else value  # looked up by digest, never shown
            yield {"customer_key": key, "kind": kind, "digest": digest, "value": shown}


def _records(conn: Connection, which: sa.ColumnElement[bool]) -> Iterator[dict[str, Any]]:
    """The staged customer records' fields the relationships read, with their golden key: whole columns at
    a time, each distinct encrypted value decrypted once."""
    columns = [stg_customer.c[name] for name in READ]
    xref = (customer_xref.c.source == stg_customer.c.source) & (
        customer_xref.c.source_key == stg_customer.c.source_key
    )
    query = sa.select(customer_xref.c.customer_key, *map(stored_form, columns)).join(customer_xref, xref)
    frame = read_frame(conn, query.where(which))
    return decrypted(conn, frame, [c.name for c in columns if is_encrypted(c)]).iter_rows(named=True)


def _referrals(conn: Connection, which: sa.ColumnElement[bool]) -> list[tuple[int, str]]:
    """(customer, text) for every referral field or note of the landed version each staged customer record
    came from (kept at stage: ``stg_customer.referral_notes``)."""
    x, stg = customer_xref, stg_customer
    query = (
        sa.select(stored_form(stg.c.referral_notes), x.c.customer_key)
        .join(x, (x.c.source == stg.c.source) & (x.c.source_key == stg.c.source_key))
        .where(stg.c.referral_notes.is_not(None), which)
    )
    frame = decrypted(conn, read_frame(conn, query), ["referral_notes"])
    return [(int(key), note) for notes, key in frame.iter_rows() for note in json.loads(notes)]


def _holders(conn: Connection, digests: Sequence[str]) -> set[int]:
    """Customers holding any of the values ``digests`` names."""
    v = relationship_value
    found: set[int] = set()
    for part in chunks(digests):
        found.update(conn.execute(sa.select(v.c.customer_key).where(v.c.digest.in_(part))).scalars())
    return found


def _digests_held(conn: Connection, customers: Sequence[int]) -> list[str]:
    """The shared values ``customers`` hold."""
    v = relationship_value
    found: set[str] = set()
    for part in chunks(customers):
        query = sa.select(v.c.digest).where(v.c.customer_key.in_(part), v.c.kind.in_(SHARED))
        found.update(conn.execute(query).scalars())
    return sorted(found)


def _shared(conn: Connection, digests: Sequence[str] | None) -> list[Relationship]:
    """The pairs of every shared value held by 2 to :data:`MAX_HOLDERS` customers: of all values (None), or
    of those ``digests`` names."""
    v = relationship_value
    sizes = (
        sa.select(v.c.digest)
        .where(v.c.kind.in_(SHARED))
        .group_by(v.c.digest)
        .having(sa.func.count().between(2, MAX_HOLDERS))
    )
    parts: Iterable[Sequence[str] | None] = [None] if digests is None else chunks(digests)
    groups: dict[str, tuple[str, str, set[int]]] = {}
    for part in parts:
        query = sa.select(v.c.digest, v.c.kind, v.c.value, v.c.customer_key).where(
            v.c.digest.in_((sizes if part is None else sizes.where(v.c.digest.in_(part))).scalar_subquery())
        )
        for digest, kind, value, key in conn.execute(query):
            groups.setdefault(digest, (kind, value, set()))[2].add(int(key))
    return shared_value_relationships(groups.values())


def _resolved(conn: Connection) -> list[Relationship]:
    """Referrals and mentions, resolved again from the kept referral notes, names and handles and from the
    interactions' text; written in place of the former ones."""
    v = relationship_value
    keyring = keyring_of(conn.dialect)
    notes = [
        (int(k), str(t))
        for k, t in conn.execute(sa.select(v.c.customer_key, v.c.value).where(v.c.kind == REFERRAL))
    ]
    names = _who_holds(conn, NAME, {name for _, text in notes for name in referrers(text)}, keyring)
    texts = [
        (int(r.customer_key), str(r.text))
        for r in conn.execute(
            sa.select(fact_interaction.c.customer_key, fact_interaction.c.text).where(
                fact_interaction.c.text.like("%@%")
            )
        )
    ]
    handles = _who_holds(conn, HANDLE, {h for _, text in texts for h in mentioned_handles(text)}, keyring)
    resolved = merge(referral_relationships(notes, names), mention_relationships(handles, texts))
    conn.execute(customer_relationship.delete().where(customer_relationship.c.kind.in_(RESOLVED)))
    insert_rows(conn, customer_relationship, map(_row, resolved))
    return resolved


def _who_holds(conn: Connection, kind: str, values: set[str], keyring: Keyring) -> dict[str, set[int]]:
    """Each of ``values`` (of ``kind``) -> the customers holding it."""
    v = relationship_value
    of = {_digest(keyring, kind, value): value for value in values}
    found: dict[str, set[int]] = defaultdict(set)
    for part in chunks(sorted(of)):
        query = sa.select(v.c.digest, v.c.customer_key).where(v.c.kind == kind, v.c.digest.in_(part))
        for digest, key in conn.execute(query):
            found[of[digest]].add(int(key))
    return found


def _row(r: Relationship) -> dict[str, Any]:
    return {
        "customer_key_a": r.customer_key_a,
        "customer_key_b": r.customer_key_b,
        "kind": r.kind,
        "strength": r.strength,
        "evidence": r.evidence,
    }
