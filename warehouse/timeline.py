"""A customer's timeline: orders, invoices, quotes, payments, calls, e-mails, visits, complaints, Instagram
posts and comments, campaign touches and the live events of ``proj_customer_timeline``, newest first.

Reads only, through the policy: a customer the viewer may not read has no timeline (``None``, like a
missing one), and roles without personal data see e-mail addresses, phone numbers and handles in the
texts masked. Pages are cut by an opaque cursor (``Page.next_before``) so a page never repeats or skips an
item, even when many share a timestamp; a ``datetime`` as ``before`` starts strictly before that moment.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope, mask_email, mask_handle, mask_phone
from warehouse.schema import (
    dim_channel,
    dim_customer,
    evt_log,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    proj_customer_activity,
    proj_customer_timeline,
)

logger = logging.getLogger(__name__)

#: Every kind of timeline item, with its label.
KINDS: Final = {
    "order": "Order",
    "invoice": "Invoice",
    "quote": "Quote",
    "payment": "Payment",
    "call": "Call",
    "email": "E-mail",
    "visit": "Visit",
    "complaint": "Complaint",
    "post": "Instagram post",
    "comment": "Instagram comment",
    "campaign": "Campaign",
    "lead": "Lead",
    "profile": "Profile change",
}
#: Kinds that carry customer text worth a sentiment score.
SENTIMENT_KINDS: Final = frozenset({"post", "comment", "complaint", "email"})
DOC_KINDS: Final = {
    "invoice": "invoice",
    "sales_receipt": "order",
    "credit_memo": "invoice",
    "estimate": "quote",
}
#: Live (streamed) event types -> timeline kinds. Batch-produced orders and payments are already in the facts.
LIVE_KINDS: Final = {
    "order_placed": "order",
    "payment_received": "payment",
    "invoice_paid": "payment",
    "visit": "visit",
    "campaign_click": "campaign",
    "social_mention": "post",
    "support_contact": "complaint",
    "lead_created": "lead",
    "profile_change": "profile",
}
MAX_LIMIT: Final = 200
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE: Final = re.compile(r"\+?\d[\d ()-]{7,}\d")
_HANDLE: Final = re.compile(r"(?<!\S)@[A-Za-z0-9_.]{2,}")


@dataclass(frozen=True)
class Item:
    occurred_at: dt.datetime
    kind: str
    ref: str  # source:key of the record, unique within its kind
    title: str
    text: str = ""
    amount: float | None = None
    channel: str | None = None
    live: bool = False  # from the event stream rather than the nightly batch
    sentiment: float | None = None

    @property
    def order(self) -> tuple[float, str, str]:
        """Sort key: newest first, then kind, then reference (descending) -- as ``sorted`` ascending."""
        return (-self.occurred_at.timestamp(), self.kind, _desc(self.ref))


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_before: str | None  # pass back as ``before`` for the next page; None: this was the last
    kinds: tuple[str, ...] = field(default=())


def _desc(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def encode_cursor(moment: dt.datetime, seen: int) -> str:
    """``seen`` items at ``moment`` are already shown; the next page starts after them."""
    return f"{moment.isoformat()}~{seen}"


def decode_cursor(cursor: str | dt.datetime | None) -> tuple[dt.datetime | None, int]:
    """(moment, items at that moment already shown); raises ValueError naming a malformed cursor."""
    if cursor is None or isinstance(cursor, dt.datetime):
        return cursor, 0
    moment, _, seen = cursor.partition("~")
    try:
        return dt.datetime.fromisoformat(moment), int(seen or 0)
    except ValueError as e:
        raise ValueError(f"timeline cursor {cursor!r} is not '<ISO time>~<count>'") from e


def mask_text(text: str) -> str:
    """Free text with e-mail addresses, phone numbers and Instagram handles masked."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    return _HANDLE.sub(lambda m: mask_handle(m.group(0)), text)


# --- the feeds: one select per source of items, each in the feed's own types -----------------------


def _date_key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day(date_key: int) -> dt.datetime:
    return dt.datetime(date_key // 10000, date_key // 100 % 100, date_key % 100)


def _docs(customer_key: int, kinds: set[str]) -> sa.Select[Any] | None:
    doc_types = [d for d, k in DOC_KINDS.items() if k in kinds]
    if not doc_types:
        return None
    s = fact_sales_line
    return (
        sa.select(
            s.c.date_key.label("at"),
            s.c.doc_type,
            s.c.source,
            s.c.doc_key,
            sa.func.sum(s.c.amount).label("amount"),
            sa.func.count().label("lines"),
        )
        .where(s.c.customer_key == customer_key, s.c.doc_type.in_(doc_types))
        .group_by(s.c.date_key, s.c.doc_type, s.c.source, s.c.doc_key)
    )


def _payments(customer_key: int) -> sa.Select[Any]:
    p = fact_payment
    return sa.select(p.c.date_key.label("at"), p.c.source, p.c.source_key, p.c.amount, p.c.method).where(
        p.c.customer_key == customer_key
    )


def _interactions(customer_key: int, kinds: set[str]) -> sa.Select[Any]:
    i = fact_interaction
    wanted = [k for k in kinds if k not in {"order", "invoice", "payment", "campaign", "lead", "profile"}]
    return (
        sa.select(
            i.c.occurred_at.label("at"), i.c.kind, i.c.source, i.c.source_key, i.c.text, dim_channel.c.name
        )
        .outerjoin(dim_channel, dim_channel.c.channel_key == i.c.channel_key)
        .where(i.c.customer_key == customer_key, sa.func.lower(i.c.kind).in_(wanted))
    )


def _live(customer_key: int, kinds: set[str]) -> sa.Select[Any]:
    t = proj_customer_timeline
    types = [e for e, k in LIVE_KINDS.items() if k in kinds]
    return (
        sa.select(t.c.occurred_at.label("at"), t.c.type, t.c.seq, t.c.channel, t.c.summary)
        .join(evt_log, evt_log.c.seq == t.c.seq)
        .where(
            t.c.customer_key == customer_key,
            t.c.type.in_(types),
            # The batch's own order and payment events repeat the facts; live ones and profile changes do not.
            (evt_log.c.producer != "batch") | (t.c.type == "profile_change"),
        )
    )


def _fetch(
    conn: Connection, query: sa.Select[Any], before: Any, inclusive: bool, limit: int
) -> list[dict[str, Any]]:
    """``query``'s newest rows up to ``before``, plus every row sharing the oldest timestamp fetched, so a page
    boundary never splits a group of items with one timestamp between what SQL and Python each sorted."""
    sub = query.subquery()
    col = sub.c.at
    bound = [] if before is None else [col <= before if inclusive else col < before]
    query = sa.select(sub).where(*bound).order_by(col.desc()).limit(limit)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    if len(rows) == limit:
        oldest = rows[-1]["at"]
        rows = [r for r in rows if r["at"] != oldest]
        rows += [dict(r) for r in conn.execute(sa.select(sub).where(col == oldest)).mappings()]
    return rows


def customer_timeline(
    engine: Warehouse | Engine,
    customer_key: int,
    *,
    kinds: Iterable[str] | None = None,
    before: str | dt.datetime | None = None,
    limit: int = 50,
    viewer: Viewer | None = None,
    sentiment: Callable[[str], float] | None = None,
) -> Page | None:
    """One page of the customer's timeline, newest first; None when there is no such customer or ``viewer``
    may not read it. ``kinds`` limits it to those kinds (see ``KINDS``); ``sentiment`` scores the texts of
    posts, comments, complaints and e-mails."""
    wanted = set(KINDS) if kinds is None else set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown timeline kind(s) {sorted(unknown)}; choose from {sorted(KINDS)}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    moment, seen = decode_cursor(before)
    inclusive = isinstance(before, str)
    db = engine.engine if isinstance(engine, Warehouse) else engine
    with db.connect() as conn:
        scope = sa.true() if viewer is None else customer_scope(viewer)
        exists = conn.execute(
            sa.select(dim_customer.c.customer_key).where(dim_customer.c.customer_key == customer_key, scope)
        ).first()
        if exists is None:
            return None
        items = _gather(conn, customer_key, wanted, moment, inclusive, limit + seen + 1)
    items.sort(key=lambda i: i.order)
    if moment is not None and inclusive:
        at_moment = [i for i in items if i.occurred_at == moment]
        items = at_moment[seen:] + [i for i in items if i.occurred_at != moment]
        items.sort(key=lambda i: i.order)
    page, more = items[:limit], len(items) > limit
    if viewer is not None and not viewer.sees_pii:
        page = [_masked(i) for i in page]
    if sentiment is not None:
        page = [_scored(i, sentiment) for i in page]
    cursor = None
    if more and page:
        last = page[-1].occurred_at
        shown = sum(1 for i in page if i.occurred_at == last)
        carried = seen if (moment is not None and inclusive and last == moment) else 0
        cursor = encode_cursor(last, shown + carried)
    return Page(page, cursor, tuple(sorted(wanted)))


def _gather(
    conn: Connection, key: int, kinds: set[str], moment: dt.datetime | None, inclusive: bool, limit: int
) -> list[Item]:
    items: list[Item] = []
    # Facts keyed by day: a datetime bound becomes a day bound (items of a day sit at its midnight).
    day_bound: int | None = None
    day_inclusive = inclusive
    if moment is not None:
        day_bound = _date_key(moment.date())
        if moment.time() != dt.time(0):
            day_inclusive = True
    docs = _docs(key, kinds)
    if docs is not None:
        for r in _fetch(conn, docs, day_bound, day_inclusive, limit):
            kind = DOC_KINDS[r["doc_type"]]
            items.append(
                Item(
                    _day(r["at"]),
                    kind,
                    f"{r['source']}:{r['doc_type']}:{r['doc_key']}",
                    f"{KINDS[kind]} {r['doc_key']}",
                    f"{r['lines']} line(s)",
                    float(r["amount"] or 0),
                )
            )
    if "payment" in kinds:
        for r in _fetch(conn, _payments(key), day_bound, day_inclusive, limit):
            items.append(
                Item(
                    _day(r["at"]),
                    "payment",
                    f"{r['source']}:{r['source_key']}",
                    f"Payment {r['source_key']}",
                    r["method"] or "",
                    float(r["amount"] or 0),
                )
            )
    for r in _fetch(conn, _interactions(key, kinds), moment, inclusive, limit):
        kind = str(r["kind"]).lower()
        items.append(
            Item(
                r["at"],
                kind,
                f"{r['source']}:{r['source_key']}",
                KINDS.get(kind, kind.title()),
                r["text"] or "",
                channel=r["name"],
            )
        )
    for r in _fetch(conn, _live(key, kinds), moment, inclusive, limit):
        kind = LIVE_KINDS[r["type"]]
        items.append(
            Item(
                r["at"],
                kind,
                f"event:{int(r['seq']):012d}",
                KINDS[kind],
                r["summary"] or "",
                channel=r["channel"],
                live=r["type"] != "profile_change",
            )
        )
    if moment is None:
        return items
    return [i for i in items if i.occurred_at <= moment if inclusive or i.occurred_at < moment]


def _masked(item: Item) -> Item:
    return replace(item, text=mask_text(item.text), title=mask_text(item.title))


def _scored(item: Item, score: Callable[[str], float]) -> Item:
    if item.kind not in SENTIMENT_KINDS or not item.text:
        return item
    return replace(item, sentiment=round(score(item.text), 3))


def sentiment_label(score: float | None) -> str:
    """Positive, negative or neutral (VADER's usual ±0.05 band)."""
    if score is None:
        return ""
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


def live_activity(
    engine: Warehouse | Engine, customer_key: int, viewer: Viewer | None = None
) -> dict[str, Any] | None:
    """The customer's counters from the event stream (``proj_customer_activity``): orders, revenue, payments,
    visits, campaign clicks, mentions, support contacts, leads and the last event; None when there are none
    or ``viewer`` may not read the customer."""
    a = proj_customer_activity
    scope = sa.true() if viewer is None else customer_scope(viewer, a.c.customer_key)
    db = engine.engine if isinstance(engine, Warehouse) else engine
    with db.connect() as conn:
        row = conn.execute(sa.select(a).where(a.c.customer_key == customer_key, scope)).mappings().first()
    return None if row is None else dict(row)
