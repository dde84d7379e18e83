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


#: Score bands a steward filters by: name -> (lowest probability, highest probability exclusive).
SCORE_BANDS: Final[dict[str, tuple[float | None, float | None]]] = {
    "certain": (0.999, None),
    "likely": (0.98, 0.999),
    "doubtful": (None, 0.98),
}
#: Kinds of evidence: an exact rule (same e-mail, same phone) or the probabilistic matcher's score.
KINDS: Final = ("rule", "scored")
#: Queue orders: most uncertain (lowest probability) first, or most likely first.
ORDERS: Final = ("uncertain", "likely")
RULE_PREFIX: Final = "rule:"


@dataclass(frozen=True)
class ReviewFilter:
    """What part of the queue a steward looks at; ``None`` means any."""

    source: str | None = None
    band: str | None = None
    kind: str | None = None
    order: str = "uncertain"

    def __post_init__(self) -> None:
        if self.band is not None and self.band not in SCORE_BANDS:
            raise ValueError(f"review score band {self.band!r} is not one of {sorted(SCORE_BANDS)}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"review kind {self.kind!r} is not one of {list(KINDS)}")
        if self.order not in ORDERS:
            raise ValueError(f"review order {self.order!r} is not one of {list(ORDERS)}")


def _conditions(where: ReviewFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE terms of the pending pairs ``where`` selects (served by the (status, probability) indexes)."""
    r = identity_review
    terms: list[sa.ColumnElement[bool]] = [r.c.status == PENDING]
    if where.source:
        prefix = f"{where.source}|"
        terms.append(
            sa.or_(
                r.c.record_l.startswith(prefix, autoescape=True),
                r.c.record_r.startswith(prefix, autoescape=True),
            )
        )
    if where.band:
        low, high = SCORE_BANDS[where.band]
        if low is not None:
            terms.append(r.c.match_probability >= low)
        if high is not None:
            terms.append(r.c.match_probability < high)
    if where.kind == "rule":
        terms.append(r.c.match_key.startswith(RULE_PREFIX))
    elif where.kind == "scored":
        terms.append(sa.or_(r.c.match_key.is_(None), sa.not_(r.c.match_key.startswith(RULE_PREFIX))))
    return terms


def pending_query(limit: int, where: ReviewFilter | None = None, offset: int = 0) -> sa.Select[Any]:
    """One page of pending pairs in the filter's order (ties by record ids, so pages are stable)."""
    where = where or ReviewFilter()
    r = identity_review
    probability = r.c.match_probability.asc() if where.order == "uncertain" else r.c.match_probability.desc()
    return (
        sa.select(r.c.record_l, r.c.record_r, r.c.match_probability, r.c.match_key)
        .where(*_conditions(where))
        .order_by(probability, r.c.record_l, r.c.record_r)
        .limit(limit)
        .offset(offset)
    )


def pending_count_query(where: ReviewFilter | None = None) -> sa.Select[Any]:
    return (
        sa.select(sa.func.count()).select_from(identity_review).where(*_conditions(where or ReviewFilter()))
    )


def records_query(record_ids: list[str]) -> sa.Select[Any]:
    """Staged records (and their customer key) named ``source|source_key``, looked up by primary key."""
    s = stg_customer
    columns = [s.c[name] for name, _ in FIELDS]
    keys = [split_record_id(rid) for rid in record_ids]
    return (
        sa.select(s.c.source, s.c.source_key, customer_xref.c.customer_key, *columns)
        .select_from(
            s.outerjoin(
                customer_xref,
                (customer_xref.c.source == s.c.source) & (customer_xref.c.source_key == s.c.source_key),
            )
        )
        .where(sa.or_(sa.false(), *((s.c.source == src) & (s.c.source_key == key) for src, key in keys)))
    )


def pending_count(warehouse: Warehouse, where: ReviewFilter | None = None) -> int:
    """How many pending pairs the filter selects."""
    return int(warehouse.scalar(pending_count_query(where)) or 0)


def pending_page(
    warehouse: Warehouse, where: ReviewFilter | None = None, page: int = 0, page_size: int = 25
) -> list[ReviewPair]:
    """Page ``page`` (from 0) of the pending pairs the filter selects, with both records."""
    if page < 0 or page_size < 1:
        raise ValueError(f"review page {page} / page_size {page_size}: need page >= 0 and page_size >= 1")
    with warehouse.engine.connect() as conn:
        rows = conn.execute(pending_query(page_size, where, page * page_size)).all()
        ids = sorted({rid for row in rows for rid in (row.record_l, row.record_r)})
        found = conn.execute(records_query(ids)).mappings().all() if ids else []
    staged = {f"{m['source']}|{m['source_key']}": m for m in found}

    def record(rid: str) -> ReviewRecord:
        source, key = split_record_id(rid)
        m = staged.get(rid)
        values = {name: (m[name] if m is not None else None) for name, _ in FIELDS}
        customer = m["customer_key"] if m is not None else None
        return ReviewRecord(rid, source, key, None if customer is None else int(customer), values)

    return [
        ReviewPair(record(row.record_l), record(row.record_r), float(row.match_probability), row.match_key)
        for row in rows
    ]


def pending_reviews(warehouse: Warehouse, limit: int = 50) -> tuple[list[ReviewPair], int]:
    """The ``limit`` likeliest pending pairs with both records, and how many pairs are pending in all."""
    return pending_page(warehouse, ReviewFilter(order="likely"), 0, limit), pending_count(warehouse)


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


def decide_reviews(
    warehouse: Warehouse,
    pairs: list[tuple[str, str]],
    decision: str,
    actor: str,
    now: Callable[[], dt.datetime] = _utcnow,
) -> int:
    """A bulk decision on clear cases: each pair still pending is decided and audited alone; returns how many."""
    return sum(decide_review(warehouse, left, right, decision, actor, now) for left, right in pairs)


def sources_query() -> sa.Select[Any]:
    """The sources with staged customer records: one primary-key seek per source (a recursive skip scan),
    not a read of every staged record."""
    source = stg_customer.c.source
    found = sa.select(sa.func.min(source).label("source")).cte("review_sources", recursive=True)
    following = sa.select(sa.select(sa.func.min(source)).where(source > found.c.source).scalar_subquery())
    found = found.union_all(following.where(found.c.source.is_not(None)))
    return sa.select(found.c.source).where(found.c.source.is_not(None)).order_by(found.c.source)


def review_sources(warehouse: Warehouse) -> list[str]:
    """Source names a steward may filter the queue by."""
    return [str(r["source"]) for r in warehouse.rows(sources_query())]
