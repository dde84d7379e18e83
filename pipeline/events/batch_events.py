"""What a finished batch changed, as events in the log: new sales documents, new payments, new or changed customers.

"New" is judged against the log itself (a document or payment whose event id it does not hold yet) and
"changed" against a digest of each customer's profile fields kept in ``evt_profile_state``. Only the customers
whose golden row or facts the core step changed since events were last recorded are read (``pipeline.changes``;
every customer after a full rebuild), :data:`CUSTOMERS_AT_ONCE` customers at a time, so the memory held is one
slice's events whatever the warehouse's size (after a full rebuild a slice is a range of keys, read by the
``customer_key`` indexes). Within a slice, orders come in date order, then payments, then profile changes.
The events, the digests, the projections and that watermark are written in one transaction: a failure leaves all
of them as they were, and the next batch records what this one could not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.changes import caught_up, changes_since
from pipeline.events.log import append_in, format_time
from pipeline.money import home_currency
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_SOURCE_KEY,
    dim_channel,
    dim_customer,
    evt_profile_state,
    fact_payment,
    fact_sales_line,
)

logger = logging.getLogger(__name__)

Event = dict[str, Any]
PRODUCER = "batch"
#: The golden-customer fields a profile change names (``rep_key`` is named ``rep``).
PROFILE_FIELDS = (
    "name",
    "company_name",
    "contact_name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "website",
    "instagram_handle",
    "segment",
    "rep_key",
    "is_customer",
)
ID_LENGTH = 64
CONSUMER = "events"  # its watermark of the core changes it has recorded (pipeline.changes)
CHUNK = 500  # keys per IN list (SQL Server takes at most 2,100 parameters)
CUSTOMERS_AT_ONCE = 2_000  # customers whose events are built and appended together


@dataclass(frozen=True)
class KeyRange:
    """Every customer key from ``low`` to ``high``, both included."""

    low: int
    high: int


#: Which customers a read covers: a range of keys, a list of keys, or (None) every customer.
Customers = KeyRange | Sequence[int] | None


def record_batch_events(
    warehouse: Warehouse, batch_id: int, now: dt.datetime, currency: str | None = None
) -> dict[str, int]:
    """Append the events of what batch ``batch_id`` changed; returns how many of each type were appended."""
    home = home_currency(currency)
    appended: Counter[str] = Counter()
    with warehouse.begin() as conn:
        changes = changes_since(conn, CONSUMER, batch_id)
        slices = (
            _every_customer(conn)
            if changes is None
            else _chunks(sorted(changes.customers), CUSTOMERS_AT_ONCE)
        )
        for customers in slices:
            profiles, digests = profile_events(conn, batch_id, now, customers)
            events = [*order_events(conn, home, customers), *payment_events(conn, customers), *profiles]
            appended.update(e["type"] for e in append_in(conn, events, PRODUCER, now))  # the log's new ones
            _store_digests(conn, digests, customers)
        caught_up(conn, CONSUMER, batch_id)
    counts = {kind: appended[kind] for kind in ("order_placed", "payment_received", "profile_change")}
    logger.info("batch %d events: %s", batch_id, ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return counts


def _every_customer(conn: Connection) -> Iterator[KeyRange]:
    """Ranges of :data:`CUSTOMERS_AT_ONCE` keys covering every customer a table of events knows: the golden
    customers, the keys of sales and payments (the walk-in customer's too) and the digests of customers since
    gone (so they are forgotten)."""
    known = sa.union(
        *(
            sa.select(t.c.customer_key)
            for t in (dim_customer, fact_sales_line, fact_payment, evt_profile_state)
        )
    ).subquery()
    keys = [
        int(k) for k in conn.execute(sa.select(known.c.customer_key).order_by(known.c.customer_key)).scalars()
    ]
    for part in _chunks(keys, CUSTOMERS_AT_ONCE):
        yield KeyRange(part[0], part[-1])


def _chunks(keys: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def _among(column: sa.ColumnElement[Any], keys: Customers) -> Iterator[sa.ColumnElement[bool]]:
    """Filters of ``column`` to ``keys``: one per chunk of a list, one for a range, one that filters nothing
    when ``keys`` is None (all)."""
    if keys is None:
        yield sa.true()
    elif isinstance(keys, KeyRange):
        yield column.between(keys.low, keys.high)
    else:
        yield from (column.in_(chunk) for chunk in _chunks(keys))


def _store_digests(conn: Connection, digests: dict[int, tuple[str, int]], customers: Customers) -> None:
    """Keep each customer's digest (and the batch that last changed it); forget customers that are gone.

    ``customers``: the only customers read (a range or list of keys; None: all of them)."""
    t = evt_profile_state
    stored = {
        k: d
        for among in _among(t.c.customer_key, customers)
        for k, d in conn.execute(sa.select(t.c.customer_key, t.c.digest).where(among))
    }
    gone = [k for k in stored if k not in digests]
    for i in range(0, len(gone), 500):
        conn.execute(t.delete().where(t.c.customer_key.in_(gone[i : i + 500])))
    changed = [k for k, (d, _) in digests.items() if k in stored and stored[k] != d]
    for i in range(0, len(changed), 500):
        conn.execute(t.delete().where(t.c.customer_key.in_(changed[i : i + 500])))
    fresh = (k for k, (d, _) in digests.items() if k not in stored or stored[k] != d)
    insert_rows(
        conn, t, ({"customer_key": k, "digest": digests[k][0], "batch_id": digests[k][1]} for k in fresh)
    )


def event_id(kind: str, *parts: object) -> str:
    """A stable event id for a warehouse record: readable when it fits, else hashed."""
    readable = ":".join([kind, *(str(p) for p in parts)])
    if len(readable) <= ID_LENGTH:
        return readable
    return f"{kind}:{hashlib.sha256(readable.encode()).hexdigest()[:40]}"


def _midnight(date_key: int) -> str:
    return format_time(dt.datetime(date_key // 10000, date_key // 100 % 100, date_key % 100))


def _who(source: str, customer_key: int) -> dict[str, Any]:
    if customer_key == UNIDENTIFIED_CUSTOMER_KEY:  # a walk-in sale: revenue without a customer
        return {"customer_key": None, "source_key": f"{source}:{UNIDENTIFIED_SOURCE_KEY}"}
    return {"customer_key": int(customer_key), "source_key": None}


def order_events(conn: Connection, home: str, customers: Customers = None) -> Iterator[Event]:
    """One ``order_placed`` per sales document (its lines summed, in home currency); credit notes are left out.

    ``customers``: only the documents of these customers (a document's lines are all its customer's)."""
    f = fact_sales_line
    channels = dict(conn.execute(sa.select(dim_channel.c.channel_key, dim_channel.c.name)).all())
    for among in _among(f.c.customer_key, customers):
        yield from _orders(conn, home, channels, among)


def _orders(
    conn: Connection, home: str, channels: dict[int, str], among: sa.ColumnElement[bool]
) -> Iterator[Event]:
    f = fact_sales_line
    query = (
        sa.select(
            f.c.source,
            f.c.doc_type,
            f.c.doc_key,
            sa.func.min(f.c.date_key).label("date_key"),
            sa.func.max(f.c.customer_key).label("customer_key"),
            sa.func.max(f.c.channel_key).label("channel_key"),
            sa.func.sum(f.c.amount).label("amount"),
        )
        .where(among)
        .group_by(f.c.source, f.c.doc_type, f.c.doc_key)
    )
    for r in conn.execute(query.order_by(sa.func.min(f.c.date_key), f.c.source, f.c.doc_type, f.c.doc_key)):
        amount = round(float(r.amount), 2)
        if amount < 0:
            continue
        document = f"{r.doc_type}-{r.doc_key}"  # an invoice and a receipt may share a number
        order_id = document if len(document) <= ID_LENGTH else event_id("doc", document)[4:]
        yield {
            "event_id": event_id("order", r.source, r.doc_type, r.doc_key),
            "type": "order_placed",
            "schema_version": 1,
            "occurred_at": _midnight(int(r.date_key)),
            **_who(r.source, r.customer_key),
            "channel": channels.get(r.channel_key),
            "payload": {"order_id": order_id, "amount": amount, "currency": home},
        }


def payment_events(conn: Connection, customers: Customers = None) -> Iterator[Event]:
    """One ``payment_received`` per payment (home currency); refunds are left out.

    ``customers``: only these customers' payments."""
    p = fact_payment
    query = sa.select(p.c.source, p.c.source_key, p.c.date_key, p.c.customer_key, p.c.amount, p.c.method)
    rows = (
        r
        for among in _among(p.c.customer_key, customers)
        for r in conn.execute(query.where(among).order_by(p.c.date_key, p.c.source, p.c.source_key))
    )
    for r in rows:
        amount = round(float(r.amount), 2)
        if amount < 0:
            continue
        payment_id = (
            str(r.source_key) if len(str(r.source_key)) <= ID_LENGTH else event_id("p", r.source_key)[2:]
        )
        payload: dict[str, Any] = {"payment_id": payment_id, "amount": amount}
        if r.method:
            payload["method"] = str(r.method)
        yield {
            "event_id": event_id("payment", r.source, r.source_key),
            "type": "payment_received",
            "schema_version": 1,
            "occurred_at": _midnight(int(r.date_key)),
            **_who(r.source, r.customer_key),
            "channel": None,
            "payload": payload,
        }


def digest(row: dict[str, Any]) -> dict[str, str]:
    """A short hash of each profile field's value: enough to tell a change, without copying personal data."""
    return {
        ("rep" if f == "rep_key" else f): hashlib.sha256(
            json.dumps(row[f], default=str).encode()
        ).hexdigest()[:16]
        for f in PROFILE_FIELDS
    }


def changed_fields(before: dict[str, str] | None, after: dict[str, str], filled: set[str]) -> list[str]:
    """The fields a profile change names: every filled field of a new customer, else those whose value changed."""
    if before is None:
        return sorted(filled)
    return sorted(f for f, h in after.items() if before.get(f) != h)


def profile_events(
    conn: Connection, batch_id: int, now: dt.datetime, customers: Customers = None
) -> tuple[list[Event], dict[int, tuple[str, int]]]:
    """``profile_change`` events of new and changed golden customers, and each customer's digest and batch
    (``customers``: only these customers; None: all)."""
    c, t = dim_customer, evt_profile_state
    columns = [c.c.customer_key, *(c.c[f] for f in PROFILE_FIELDS)]
    current = [
        r
        for among in _among(c.c.customer_key, customers)
        for r in conn.execute(sa.select(*columns).where(among, c.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY))
    ]
    stored = {
        int(k): json.loads(d)
        for among in _among(t.c.customer_key, customers)
        for k, d in conn.execute(sa.select(t.c.customer_key, t.c.digest).where(among))
    }
    events: list[Event] = []
    digests: dict[int, tuple[str, int]] = {}
    for r in sorted(current, key=lambda r: r.customer_key):
        row = dict(r._mapping)
        key = int(row["customer_key"])
        after = digest(row)
        filled = {("rep" if f == "rep_key" else f) for f in PROFILE_FIELDS if row[f] not in (None, "")}
        fields = changed_fields(stored.get(key), after, filled)
        digests[key] = (json.dumps(after, sort_keys=True), batch_id)
        if fields:
            events.append(
                {
                    "event_id": event_id("profile", key, batch_id),
                    "type": "profile_change",
                    "schema_version": 1,
                    "occurred_at": format_time(now),
                    "customer_key": key,
                    "source_key": None,
                    "channel": None,
                    "payload": {"fields": fields},
                }
            )
    return events, digests
