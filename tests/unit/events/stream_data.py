"""A seeded random event stream: every type, several customers, reps and channels, duplicates, bad and late events."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

from pipeline.events import EVENT_TYPES, Campaign, Customer

REPS = ("Ann Lee", "Bob Stone", "Cara Diaz", "Dev Patel")
REGIONS = ("North", "South", "London", "Scotland")
CHANNELS = ("web", "app", "email", "phone", "store", "instagram", "directory", "sales_rep", None)
STAGES = ("new", "contacted", "qualified", "proposal", "won", "lost")
UNKNOWN_KEYS = (901, 902, 903)  # customer keys the reference data does not know


@dataclass
class Stream:
    """What was sent (raw bytes, in order) and the valid, first-seen events among them."""

    raw: list[bytes] = field(default_factory=list)
    valid: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    bad: int = 0


def customers(count: int = 40) -> dict[int, Customer]:
    rng = random.Random(1)
    return {
        k: Customer(k, REPS[k % len(REPS)], REGIONS[k % len(REGIONS)], "Loyal", round(rng.random(), 2))
        for k in range(1, count + 1)
    }


def campaigns() -> dict[str, Campaign]:
    return {
        "1": Campaign("1", "Spring", 500.0),
        "2": Campaign("2", "Summer", 2500.0),
        "3": Campaign("3", "No budget"),
    }


def stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def payload(rng: random.Random, kind: str, n: int) -> dict[str, Any]:
    money = round(
        rng.choice([rng.uniform(1, 300), rng.uniform(1, 300), rng.uniform(4900, 6000)]), rng.choice([2, 2, 3])
    )
    return {
        "order_placed": {"order_id": f"SO-{n}", "amount": money, "currency": "GBP"},
        "invoice_paid": {"invoice_id": f"INV-{n}", "amount": money},
        "payment_received": {"payment_id": f"P-{n}", "amount": money, "method": "card"},
        "lead_created": {"lead_id": f"L{rng.randrange(200)}", "score": rng.randrange(101)},
        "lead_moved": {
            "lead_id": f"L{rng.randrange(200)}",
            "stage": rng.choice(STAGES),
            "score": rng.randrange(101),
        },
        "campaign_impression": {"campaign_id": rng.choice("1234")},
        "campaign_click": {
            "campaign_id": rng.choice("1234"),
            "cost": round(rng.uniform(0, 3), rng.choice([2, 3])),
        },
        "visit": {"page": rng.choice(["/", "/pricing", "/shop"]), "session_id": f"s{rng.randrange(999)}"},
        "social_mention": {"text": "words", "sentiment": round(rng.uniform(-1, 1), 2)},
        "support_contact": {"topic": "delivery", "sentiment": round(rng.uniform(-1, 1), 2)},
        "profile_change": {"fields": ["email"]},
    }[kind]


def bad_event(rng: random.Random, good: dict[str, Any]) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return b"{not json"
    if choice == 1:
        return json.dumps({**good, "type": "teleport"}).encode()
    if choice == 2:
        return json.dumps({**good, "schema_version": 2}).encode()
    if choice == 3:
        return json.dumps({**good, "payload": {}}).encode()
    return json.dumps({**good, "occurred_at": "2026-02-30T10:00:00Z"}).encode()


def generate(
    count: int = 20_000,
    seed: int = 7,
    start: str = "2026-12-03T20:00:00",
    step_s: float = 3.0,
    late: bool = True,
) -> Stream:
    """``count`` sent values, ~3% duplicates, ~2% bad, ~6% late (a few after their day closed) unless not ``late``."""
    rng = random.Random(seed)
    kinds = list(EVENT_TYPES)
    clock = dt.datetime.fromisoformat(start)
    stream = Stream()
    sent: list[bytes] = []
    for n in range(count):
        clock += dt.timedelta(milliseconds=rng.randrange(int(step_s * 1000)))
        roll = rng.random()
        if roll < 0.03 and sent:
            stream.raw.append(rng.choice(sent[-500:]))
            stream.duplicates += 1
            continue
        at = clock
        if not late:
            pass
        elif roll < 0.08:
            at -= dt.timedelta(seconds=rng.randrange(1, 600))  # late: within or beyond the 1m grace
        elif roll < 0.09:
            at -= dt.timedelta(seconds=rng.randrange(3600, 3 * 3600))  # 1m and 1h closed, the day open
        elif roll < 0.093:
            at -= dt.timedelta(days=2)  # its day closed: counted nowhere
        kind = rng.choice(kinds)
        key = rng.choice([*range(1, 41), *UNKNOWN_KEYS, None, None])
        event = {
            "event_id": f"e{n}",
            "type": kind,
            "schema_version": 1,
            "occurred_at": stamp(at),
            "customer_key": key,
            "source_key": None if key is not None else f"web:anon-{rng.randrange(50)}",
            "channel": rng.choice(CHANNELS),
            "payload": payload(rng, kind, n),
        }
        if rng.random() < 0.02:
            stream.raw.append(bad_event(rng, event))
            stream.bad += 1
            continue
        raw = json.dumps(event).encode()
        stream.raw.append(raw)
        sent.append(raw)
        stream.valid.append(event)
    return stream
