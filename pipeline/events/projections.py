"""Projections of the interaction log: per-customer activity counters and a readable timeline.

Both are pure folds over the log in order: ``apply`` adds newly appended events (the log calls it in the
append's transaction), ``rebuild`` empties them and replays the whole log; either way gives the same rows.
Money is added in whole pence, so the order and grouping of additions never changes a total.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import proj_customer_activity, proj_customer_timeline

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Positioned = tuple[int, Event]

COUNTED = {
    "order_placed": "orders",
    "payment_received": "payments",
    "invoice_paid": "payments",
    "visit": "visits",
    "campaign_click": "clicks",
    "social_mention": "mentions",
    "support_contact": "support_contacts",
    "lead_created": "leads",
}
COUNTERS = ("orders", "payments", "visits", "clicks", "mentions", "support_contacts", "leads")
SUMMARY_LENGTH = 300
CHUNK = 500
REPLAY_CHUNK = 5000


@dataclass
class Activity:
    """One customer's counters while folding; money in pence."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    revenue_pence: int = 0
    paid_pence: int = 0
    last: tuple[dt.datetime, int, str] | None = None  # occurred_at, seq, type

    def add(self, seq: int, event: Event) -> None:
        kind = event["type"]
        counter = COUNTED.get(kind)
        if counter:
            self.counts[counter] += 1
        payload = event.get("payload") or {}
        if kind == "order_placed":
            self.revenue_pence += pence(payload["amount"])
        elif kind in ("payment_received", "invoice_paid"):
            self.paid_pence += pence(payload["amount"])
        moment = occurred(event)
        if self.last is None or (moment, seq) > self.last[:2]:
            self.last = (moment, seq, kind)

    def row(self, customer_key: int) -> dict[str, Any]:
        if self.last is None:
            raise ValueError(f"customer {customer_key}: no event counted yet")
        return {
            "customer_key": customer_key,
            **self.counts,
            "revenue": self.revenue_pence / 100,
            "paid": self.paid_pence / 100,
            "last_event_at": self.last[0],
            "last_event_type": self.last[2],
            "last_seq": self.last[1],
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Activity:
        return cls(
            counts={c: int(row[c]) for c in COUNTERS},
            revenue_pence=round(float(row["revenue"]) * 100),
            paid_pence=round(float(row["paid"]) * 100),
            last=(row["last_event_at"], int(row["last_seq"]), str(row["last_event_type"])),
        )


def pence(amount: float | int) -> int:
    """An amount in whole pence, rounded half-up (as the KPIs count revenue)."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def occurred(event: Event) -> dt.datetime:
    text = str(event["occurred_at"])
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).replace(tzinfo=None)


def _money(amount: float | int) -> str:
    return f"{pence(amount) / 100:,.2f}"


def summary(event: Event) -> str:
    """One line a sales rep can read in the customer's timeline."""
    kind, p = event["type"], event.get("payload") or {}
    text = {
        "order_placed": lambda: (
            f"Order {p.get('order_id')}: {_money(p['amount'])} {p.get('currency', '')}".strip()
        ),
        "invoice_paid": lambda: f"Invoice {p.get('invoice_id')} paid: {_money(p['amount'])}",
        "payment_received": lambda: (
            f"Payment {p.get('payment_id')}: {_money(p['amount'])}"
            + (f" by {p['method']}" if p.get("method") else "")
        ),
        "lead_created": lambda: f"Lead {p.get('lead_id')} created, score {p.get('score')}",
        "lead_moved": lambda: f"Lead {p.get('lead_id')} moved to {p.get('stage')}, score {p.get('score')}",
        "campaign_impression": lambda: f"Saw campaign {p.get('campaign_id')}",
        "campaign_click": lambda: (
            f"Clicked campaign {p.get('campaign_id')} (cost {_money(p.get('cost', 0))})"
        ),
        "visit": lambda: f"Visited {p.get('page')}",
        "social_mention": lambda: f"Mentioned us ({p.get('sentiment', 0):+.2f}): {p.get('text', '')}",
        "support_contact": lambda: (
            f"Support contact: {p.get('topic')}"
            + (f" ({p['sentiment']:+.2f})" if p.get("sentiment") is not None else "")
        ),
        "profile_change": lambda: "Profile changed: " + ", ".join(str(f) for f in p.get("fields", [])),
    }.get(kind, lambda: kind)()
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def timeline_row(seq: int, event: Event) -> dict[str, Any]:
    return {
        "customer_key": event["customer_key"],
        "seq": seq,
        "occurred_at": occurred(event),
        "type": event["type"],
        "channel": event.get("channel"),
        "summary": summary(event),
    }


def fold(state: dict[int, Activity], events: Iterable[Positioned]) -> dict[int, Activity]:
    """Add ``events`` (in log order) to ``state``; events without a customer key have no customer to count for."""
    for seq, event in events:
        key = event.get("customer_key")
        if key is None:
            continue
        state.setdefault(int(key), Activity()).add(seq, event)
    return state


def apply(warehouse: Warehouse, events: Sequence[Positioned]) -> None:
    """Add events just appended to the log (with their positions) to the projections."""
    with warehouse.begin() as conn:
        apply_in(conn, events)


def apply_in(conn: Connection, events: Sequence[Positioned]) -> None:
    """:func:`apply` inside a caller's transaction (the append's)."""
    mine = [(seq, e) for seq, e in events if e.get("customer_key") is not None]
    if not mine:
        return
    insert_rows(conn, proj_customer_timeline, (timeline_row(seq, e) for seq, e in mine))
    keys = sorted({int(e["customer_key"]) for _, e in mine})
    existing = _load(conn, keys)
    state = fold({k: Activity.from_row(r) for k, r in existing.items()}, mine)
    updates = [state[k].row(k) for k in keys if k in existing]
    inserts = [state[k].row(k) for k in keys if k not in existing]
    if updates:
        c = proj_customer_activity.c
        values: dict[str, Any] = {
            col.name: sa.bindparam(f"v_{col.name}")
            for col in proj_customer_activity.columns
            if col.name != "customer_key"
        }
        statement = proj_customer_activity.update().where(c.customer_key == sa.bindparam("k")).values(values)
        conn.execute(
            statement,
            [
                {"k": r["customer_key"], **{f"v_{n}": v for n, v in r.items() if n != "customer_key"}}
                for r in updates
            ],
        )
    insert_rows(conn, proj_customer_activity, inserts)


def _load(conn: Connection, keys: list[int]) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    t = proj_customer_activity
    for i in range(0, len(keys), CHUNK):
        query = sa.select(t).where(t.c.customer_key.in_(keys[i : i + CHUNK]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        rows.update({int(r.customer_key): dict(r._mapping) for r in conn.execute(query)})
    return rows


def rebuild(warehouse: Warehouse) -> dict[str, int]:
    """Empty the projections and replay the whole log into them; returns events, customers and timeline rows."""
    from pipeline.events.log import lock_appends, read_after

    with warehouse.begin() as conn:
        lock_appends(conn)  # no append interleaves with the replay
        conn.execute(proj_customer_timeline.delete())
        conn.execute(proj_customer_activity.delete())
        state: dict[int, Activity] = {}
        position, events, timeline = 0, 0, 0
        while chunk := read_after(conn, position, REPLAY_CHUNK):
            position = chunk[-1][0]
            events += len(chunk)
            mine = [(seq, e) for seq, e in chunk if e.get("customer_key") is not None]
            timeline += insert_rows(conn, proj_customer_timeline, (timeline_row(seq, e) for seq, e in mine))
            fold(state, mine)
        insert_rows(conn, proj_customer_activity, (a.row(k) for k, a in sorted(state.items())))
    logger.info(
        "projections rebuilt from %d events: %d customers, %d timeline rows", events, len(state), timeline
    )
    return {"events": events, "customers": len(state), "timeline": timeline}
