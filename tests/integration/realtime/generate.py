"""Seeded, valid customer events of every type, and the customers and campaigns they refer to."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from pipeline.events.schema import EVENT_TYPES

REPS = ("Ann Lee", "Bob Stone", "Cara Diaz", "Dev Patel")
REGIONS = ("North", "South", "East", "West")
CHANNELS = ("web", "app", "email", "phone", "store", "instagram", None)
STAGES = ("new", "contacted", "qualified", "proposal", "won", "lost")
TYPES = EVENT_TYPES


def customers(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Enrichment records for customers 1..count."""
    rng = random.Random(seed)
    return [
        {
            "customer_key": key,
            "rep": rng.choice(REPS),
            "region": rng.choice(REGIONS),
            "segment": rng.choice(("Loyal", "New", "At risk")),
            "churn_risk": round(rng.random(), 2),
        }
        for key in range(1, count + 1)
    ]


def campaigns(count: int) -> list[dict[str, Any]]:
    """Campaigns C1..Ccount with budgets large enough to cross their alert thresholds in a big run."""
    return [
        {"campaign_id": f"C{i}", "name": f"Campaign {i}", "budget": 500.0 * i} for i in range(1, count + 1)
    ]


def _payload(rng: random.Random, event_type: str, n: int, campaign_count: int) -> dict[str, Any]:
    money = round(rng.uniform(1, 400), 2)
    if event_type == "order_placed":
        amount = round(rng.uniform(5000, 9000), 2) if rng.random() < 0.01 else money
        return {"order_id": f"SO-{n}", "amount": amount, "currency": "GBP"}
    if event_type == "invoice_paid":
        return {"invoice_id": f"INV-{n}", "amount": money}
    if event_type == "payment_received":
        return {"payment_id": f"PAY-{n}", "amount": money, "method": rng.choice(("card", "cash"))}
    if event_type == "lead_created":
        return {"lead_id": f"L-{rng.randrange(1000)}", "score": rng.randrange(101)}
    if event_type == "lead_moved":
        return {
            "lead_id": f"L-{rng.randrange(1000)}",
            "stage": rng.choice(STAGES),
            "score": rng.randrange(101),
        }
    if event_type == "campaign_impression":
        return {"campaign_id": f"C{rng.randrange(1, campaign_count + 1)}"}
    if event_type == "campaign_click":
        return {
            "campaign_id": f"C{rng.randrange(1, campaign_count + 1)}",
            "cost": round(rng.uniform(0, 3), 2),
        }
    if event_type == "visit":
        return {"page": rng.choice(("/", "/pricing", "/shop")), "session_id": f"s{rng.randrange(10_000)}"}
    if event_type == "social_mention":
        return {"text": "mentioned us", "sentiment": round(rng.uniform(-1, 1), 2)}
    if event_type == "support_contact":
        return {"topic": rng.choice(("billing", "delivery")), "sentiment": round(rng.uniform(-1, 1), 2)}
    return {"fields": rng.sample(["email", "phone", "street", "segment"], 2)}


def events(
    count: int,
    seed: int = 7,
    *,
    customer_count: int = 200,
    campaign_count: int = 5,
    start: dt.datetime = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC),
    prefix: str = "e",
    step_ms: int = 400,
) -> list[dict[str, Any]]:
    """``count`` valid events of every type, in event-time order up to ``step_ms`` apart; a few have only a source key."""
    rng = random.Random(seed)
    out = []
    at = start
    for n in range(count):
        event_type = TYPES[n % len(TYPES)] if n < len(TYPES) else rng.choice(TYPES)
        at += dt.timedelta(milliseconds=rng.randrange(0, step_ms))
        known = rng.random() >= 0.03
        out.append(
            {
                "event_id": f"{prefix}-{n:07d}",
                "type": event_type,
                "schema_version": 1,
                "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
                "customer_key": rng.randrange(1, customer_count + 1) if known else None,
                "source_key": None if known else f"instagram:Profile:{rng.randrange(500)}",
                "channel": rng.choice(CHANNELS),
                "payload": _payload(rng, event_type, n, campaign_count),
            }
        )
    return out


MALFORMED: list[bytes] = [
    b"not json at all",
    b'{"event_id": "bad-1", "type": "teleport", "schema_version": 1}',
    b'{"event_id": "bad-2", "type": "visit", "schema_version": 2, "occurred_at": "2026-12-04T09:00:00Z",'
    b' "customer_key": 1, "payload": {"page": "/"}}',
    b'{"event_id": "bad-3", "type": "order_placed", "schema_version": 1, "occurred_at": "2026-12-04T09:00:00Z",'
    b' "customer_key": 1, "payload": {"order_id": "SO-x", "amount": -5, "currency": "GBP"}}',
    b"\xff\xfe invalid utf-8",
]
MALFORMED_CODES = ["invalid_json", "unknown_type", "unsupported_version", "schema", "invalid_json"]
