"""The identity review queue for data stewards: pending pairs with both records, and the steward's decision.

A decision is written to ``identity_review`` (status ``accepted`` or ``rejected``, who and when) and to
``ops_audit_log``; the next match run applies it (an accepted pair joins one customer, a rejected
pair never does) and keeps it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import customer_xref, identity_review, stg_customer
from warehouse.users import record_audit

logger = logging.getLogger(__name__)

PENDING: Final = "pending"
DECISIONS: Final = frozenset({"accepted", "rejected"})
#: Fields shown side by side, in order: (column of ``stg_customer``, label).
FIELDS: Final = (
    ("company_name", "Company"),
    ("display_name", "Name"),
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("street", "Street"),
    ("city", "City"),
    ("postcode", "Postcode"),
    ("sales_rep", "Account owner"),
    ("entity", "Kind"),
)


@dataclass(frozen=True)
class ReviewRecord:
    """One side of a pair: the staged record and the customer it belongs to now."""

    record_id: str
    source: str
    source_key: str
    customer_key: int | None
    values: dict[str, Any]


@dataclass(frozen=True)
class ReviewPair:
    left: ReviewRecord
    right: ReviewRecord
    probability: float
    match_key: str | None


def split_record_id(record_id: str) -> tuple[str, str]:
    """``source|source_key`` -> (source, source_key)."""
    source, _, key = record_id.partition("|")
    return source, key


def pending_query(limit: int) -> sa.Select[Any]:
    """The most likely pending pairs first (ties by record ids, so pages are stable)."""
    r = identity_review
    return (
        sa.select(r.c.record_l, r.c.record_r, r.c.match_probability, r.c.match_key)
        .where(r.c.status == PENDING)
        .order_by(r.c.match_probability.desc(), r.c.record_l, r.c.record_r)
        .limit(limit)
    )


def pending_count_query() -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(identity_review).where(identity_review.c.status == PENDING)


def records_query(source_keys: list[str]) -> sa.Select[Any]:
    """Staged records (and their customer key) with one of ``source_keys``; callers keep the right sources."""
    s = stg_customer
    columns = [s.c[name] for name, _ in FIELDS]
    return (
        sa.select(s.c.source, s.c.source_key, customer_xref.c.customer_key, *columns)
        .select_from(
            s.outerjoin(
                customer_xref,
                (customer_xref.c.source == s.c.source) & (customer_xref.c.source_key == s.c.source_key),
            )
        )
        .where(s.c.source_key.in_(source_keys))
    )


def pending_reviews(warehouse: Warehouse, limit: int = 50) -> tuple[list[ReviewPair], int]:
    """The first ``limit`` pending pairs with both records, and how many pairs are pending in all."""
    with warehouse.engine.connect() as conn:
        rows = conn.execute(pending_query(limit)).all()
        total = int(conn.execute(pending_count_query()).scalar_one())
        ids = {rid for row in rows for rid in (row.record_l, row.record_r)}
        keys = sorted({split_record_id(rid)[1] for rid in ids})
        found = conn.execute(records_query(keys)).mappings().all() if keys else []
    staged = {f"{m['source']}|{m['source_key']}": m for m in found}

    def record(rid: str) -> ReviewRecord:
        source, key = split_record_id(rid)
        m = staged.get(rid)
        values = {name: (m[name] if m is not None else None) for name, _ in FIELDS}
        customer = m["customer_key"] if m is not None else None
        return ReviewRecord(rid, source, key, None if customer is None else int(customer), values)

    pairs = [
        ReviewPair(record(row.record_l), record(row.record_r), float(row.match_probability), row.match_key)
        for row in rows
    ]
    return pairs, total


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def decide_review(
    warehouse: Warehouse,
    record_l: str,
    record_r: str,
    decision: str,
    actor: str,
    now: Callable[[], dt.datetime] = _utcnow,
) -> bool:
    """Record a steward's ``accepted``/``rejected`` on a pending pair; False if it is no longer pending."""
    if decision not in DECISIONS:
        raise ValueError(
            f"review decision {decision!r} for pair {record_l} / {record_r}: use one of {sorted(DECISIONS)}"
        )
    r = identity_review
    at = now()
    with warehouse.begin() as conn:
        done = conn.execute(
            r.update()
            .where((r.c.record_l == record_l) & (r.c.record_r == record_r) & (r.c.status == PENDING))
            .values(status=decision, decided_by=actor[:80], decided_at=at)
        ).rowcount
    if done:
        record_audit(
            warehouse, actor, f"identity_review.{decision}", f"{record_l} / {record_r}"[:200], now=lambda: at
        )
        logger.info("%s %s pair %s / %s", actor, decision, record_l, record_r)
    return bool(done)
