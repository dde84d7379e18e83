"""The demo firm's day as live events: orders, visits, clicks, leads, mentions, support contacts and payments.

``DayPlayer`` plans one day (who does what at which time of day, busiest in office hours) and plays it at
``speed`` simulated seconds per real second, stamping each event with the clock's now, so the live KPIs and
alerts move as a real day would. The clock and the sleep are handed in: tests play a whole day instantly.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pipeline.events.log import format_time
from warehouse.engine import Warehouse
from warehouse.schema import (
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_sales_rep,
    fact_sales_line,
    mart_customer_score,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
DAY = 86_400
HIGH_VALUE = 5_000.0

# Relative activity per hour of day (UTC): people at work, and people browsing in the evening.
OFFICE = (
    *(0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.0, 3.5, 4.0, 3.8),
    *(2.8, 3.4, 3.8, 3.5, 3.0, 2.0, 1.2, 1.0, 0.9, 0.7, 0.4, 0.2),
)
ONLINE = (
    *(0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.2, 2.2),
    *(2.4, 2.2, 2.1, 2.0, 2.0, 2.0, 2.2, 2.6, 2.6, 2.0, 1.2, 0.7),
)
WORK_HOURS = tuple(1.0 if 9 <= h < 17 else 0.0 for h in range(24))

# Events per customer per day, and the hour profile each follows.
RATES: dict[str, tuple[float, float, tuple[float, ...]]] = {  # type: (per customer, at least, profile)
    "order_placed": (0.03, 3, OFFICE),
    "visit": (0.2, 10, ONLINE),
    "campaign_impression": (0.3, 10, ONLINE),
    "campaign_click": (0.03, 3, ONLINE),
    "lead_created": (0.005, 2, OFFICE),
    "social_mention": (0.01, 2, ONLINE),
    "support_contact": (0.006, 1, WORK_HOURS),
    "invoice_paid": (0.01, 1, OFFICE),
    "profile_change": (0.002, 1, OFFICE),
}
PAID_AFTER_ORDER = 0.4  # share of orders paid the same day
OFFICE_CHANNELS = ("sales_rep", "phone", "store", "email", "web")
ONLINE_CHANNELS = ("web", "app")
PAGES = ("/", "/products", "/products/storage", "/products/furniture") + (
    "/pricing",
    "/contact",
    "/about",
    "/basket",
)
STAGES = ("contacted", "qualified", "proposal", "won")
SUPPORT_TOPICS = ("delivery", "billing", "returns", "product question", "installation", "account")
PROFILE_FIELDS = ("email", "phone", "street", "city", "postcode") + (
    "website",
    "instagram_handle",
    "contact_name",
)
KIND_WORDS = {
    "positive": (
        "Great service from {firm} again",
        "Love the new range at {firm}",
        "Fast delivery, thanks {firm}!",
    ),
    "neutral": (
        "Anyone tried {firm}'s new catalogue?",
        "Visited {firm} today",
        "{firm} opening hours changed?",
    ),
    "negative": (
        "Still waiting on my {firm} order, very poor",
        "{firm} charged me twice, not happy",
        "Broken on arrival. {firm} please reply",
    ),
}
FIRM = "Miracle"


@dataclass(frozen=True)
class Planned:
    """One event of the day's plan: when (seconds after midnight), what, and who."""

    at: float
    type: str
    customer_key: int | None
    source_key: str | None
    channel: str | None
    payload: dict[str, Any]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class DayPlayer:
    """Plays days of the demo firm as valid events stamped with ``clock()``; see the module docstring."""

    def __init__(
        self,
        customers: Sequence[Mapping[str, Any]],
        reps: Sequence[str],
        campaigns: Sequence[Mapping[str, Any]],
        clock: Clock = utc_now,
        speed: float = 60.0,
        seed: int = 42,
        sleep: Callable[[float], None] = time.sleep,
        order_amounts: Sequence[float] = (),
        start_hour: float = 8.0,
    ) -> None:
        if not customers:
            raise ValueError("the day needs at least one customer")
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.customers = list(customers)
        self.reps = list(reps)
        self.campaigns = list(campaigns)
        self.clock = clock
        self.speed = speed
        self.sleep = sleep
        self.order_amounts = [a for a in order_amounts if 0 < a < HIGH_VALUE]
        self.start = start_hour * 3600
        self.rng = random.Random(seed)  # seeded demo events  # nosec B311
        self.seed = seed
        self._lead = 0
        self._order = 0
        self._visitor = 0

    # --- planning (pure, seeded) -----------------------------------------------------------------

    def plan_day(self) -> list[Planned]:
        """One day's events in time order; the same seed plans the same day."""
        n = len(self.customers)
        plan: list[Planned] = []
        for kind, (per_customer, least, profile) in RATES.items():
            if kind.startswith("campaign_") and not self.campaigns:
                continue
            for _ in range(self._count(max(least, per_customer * n))):
                plan.extend(self._plan_one(kind, self._time(profile)))
        plan.extend(self._plan_one("order_placed", self._time(WORK_HOURS), high_value=True))
        plan.extend(
            self._plan_one("social_mention", self._time(ONLINE), mood="negative")
        )  # one that needs a reply
        plan.extend(self._returning())
        return sorted(plan, key=lambda p: p.at)

    def _count(self, mean: float) -> int:
        """A Poisson draw (Knuth's method for small means, a rounded normal for large ones)."""
        if mean > 50:
            return max(0, round(self.rng.gauss(mean, mean**0.5)))
        limit, k, product = pow(2.718281828459045, -mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def _time(self, profile: Sequence[float]) -> float:
        hour = self.rng.choices(range(24), weights=profile)[0]
        return hour * 3600 + self.rng.random() * 3600

    def _customer(self) -> Mapping[str, Any]:
        return self.rng.choice(self.customers)

    def _plan_one(
        self, kind: str, at: float, high_value: bool = False, mood: str | None = None
    ) -> list[Planned]:
        c = self._customer()
        key, office = int(c["customer_key"]), 9 * 3600 <= at < 18 * 3600
        if kind == "order_placed":
            return self._order_and_payment(at, key, office, high_value)
        if kind == "visit":
            self._visitor += 1
            session = f"s{self.seed}-{self._visitor}"
            known = self.rng.random() < 0.6
            return [
                Planned(
                    at,
                    "visit",
                    key if known else None,
                    None if known else f"web:visitor:{self._visitor}",
                    self.rng.choice(ONLINE_CHANNELS),
                    {"page": self.rng.choice(PAGES), "session_id": session},
                )
            ]
        if kind in ("campaign_impression", "campaign_click"):
            campaign = self.rng.choice(self.campaigns)
            payload: dict[str, Any] = {"campaign_id": str(campaign["campaign_id"])}
            if kind == "campaign_click":
                payload["cost"] = round(self.rng.uniform(0.2, 2.5), 2)
            return [Planned(at, kind, key, None, campaign.get("channel") or "web", payload)]
        if kind == "lead_created":
            return self._lead_journey(at, key)
        if kind == "social_mention":
            mood = mood or self.rng.choices(("positive", "neutral", "negative"), weights=(5, 3, 2))[0]
            sentiment = {
                "positive": self.rng.uniform(0.3, 1.0),
                "neutral": self.rng.uniform(-0.2, 0.3),
                "negative": self.rng.uniform(-1.0, -0.5),
            }[mood]
            text = self.rng.choice(KIND_WORDS[mood]).format(firm=FIRM)
            return [
                Planned(at, kind, key, None, "instagram", {"text": text, "sentiment": round(sentiment, 2)})
            ]
        if kind == "support_contact":
            payload = {
                "topic": self.rng.choice(SUPPORT_TOPICS),
                "sentiment": round(self.rng.uniform(-0.9, 0.6), 2),
            }
            return [Planned(at, kind, key, None, self.rng.choice(("phone", "email")), payload)]
        if kind == "invoice_paid":
            payload = {"invoice_id": f"INV-{self.rng.randint(1000, 99999)}", "amount": self._amount()}
            return [Planned(at, kind, key, None, None, payload)]
        fields = sorted(self.rng.sample(PROFILE_FIELDS, self.rng.randint(1, 3)))
        return [Planned(at, "profile_change", key, None, None, {"fields": fields})]

    def _amount(self) -> float:
        if self.order_amounts:
            return round(self.rng.choice(self.order_amounts), 2)
        return round(min(HIGH_VALUE - 1, self.rng.lognormvariate(5.0, 0.9)), 2)  # median ~150

    def _order_and_payment(self, at: float, key: int, office: bool, high_value: bool) -> list[Planned]:
        self._order += 1
        order_id = f"SO-{self.seed}-{self._order}"
        amount = round(self.rng.uniform(HIGH_VALUE, 3 * HIGH_VALUE), 2) if high_value else self._amount()
        channel = self.rng.choice(OFFICE_CHANNELS if office else ONLINE_CHANNELS)
        home = "GBP"
        events = [
            Planned(
                at,
                "order_placed",
                key,
                None,
                channel,
                {"order_id": order_id, "amount": amount, "currency": home},
            )
        ]
        paid_at = at + self.rng.uniform(600, 6 * 3600)
        if paid_at < DAY and self.rng.random() < PAID_AFTER_ORDER:
            method = self.rng.choice(("card", "bank transfer", "cash"))
            payload = {"payment_id": f"PAY-{order_id}", "amount": amount, "method": method}
            events.append(Planned(paid_at, "payment_received", key, None, None, payload))
        return events

    def _lead_journey(self, at: float, key: int) -> list[Planned]:
        self._lead += 1
        lead_id = f"L-{self.seed}-{self._lead}"
        score = self.rng.randint(15, 75)
        events = [Planned(at, "lead_created", key, None, "sales_rep", {"lead_id": lead_id, "score": score})]
        for stage in STAGES:
            at += self.rng.uniform(1800, 4 * 3600)
            if at >= DAY or self.rng.random() < 0.35:
                break
            score = min(100, score + self.rng.randint(3, 15))
            events.append(
                Planned(
                    at,
                    "lead_moved",
                    key,
                    None,
                    "sales_rep",
                    {"lead_id": lead_id, "stage": stage, "score": score},
                )
            )
        if 0 < len(events) - 1 < len(STAGES) and self.rng.random() < 0.15 and at + 3600 < DAY:
            events.append(
                Planned(
                    at + 3600,
                    "lead_moved",
                    key,
                    None,
                    "sales_rep",
                    {"lead_id": lead_id, "stage": "lost", "score": max(0, score - 30)},
                )
            )
        return events

    def _returning(self) -> list[Planned]:
        """A customer at risk of leaving comes back: visits, then sometimes orders."""
        at_risk = [c for c in self.customers if float(c.get("churn_risk") or 0) >= 0.7]
        if not at_risk:
            return []
        c = self.rng.choice(at_risk)
        key, at = int(c["customer_key"]), self._time(OFFICE)
        events = [
            Planned(
                at, "visit", key, None, "web", {"page": "/products", "session_id": f"s{self.seed}-back-{key}"}
            )
        ]
        if self.rng.random() < 0.6:
            events.extend(self._order_and_payment(min(DAY - 1, at + 900), key, True, False))
        return events

    # --- playing (the clock) ---------------------------------------------------------------------

    def play(self, duration: float | None = None) -> Iterator[dict[str, Any]]:
        """Yield events as their simulated time comes, for ``duration`` real seconds (None: to the day's end)."""
        began = self.clock()
        run = began.strftime("%Y%m%dT%H%M%S")
        sent, day = 0, 0
        while True:
            for planned in self.plan_day():
                moment = day * DAY + planned.at  # simulated seconds since the first day's midnight
                if moment < self.start:
                    continue
                due = (moment - self.start) / self.speed  # real seconds after the start
                if duration is not None and due > duration:
                    return
                wait = due - (self.clock() - began).total_seconds()
                if wait > 0:
                    self.sleep(wait)
                sent += 1
                yield self._event(planned, f"gen-{run}-{self.seed}-{sent:06d}")
            if duration is None:
                return
            day += 1

    def _event(self, planned: Planned, event_id: str) -> dict[str, Any]:
        event: dict[str, Any] = {
            "event_id": event_id,
            "type": planned.type,
            "schema_version": 1,
            "occurred_at": format_time(self.clock()),
            "customer_key": planned.customer_key,
            "source_key": planned.source_key,
            "channel": planned.channel,
            "payload": planned.payload,
        }
        return event


def firm_from_warehouse(warehouse: Warehouse) -> dict[str, Any]:
    """The firm as the warehouse knows it: customers with rep and churn risk, reps, campaigns, order sizes."""
    c, r, s = dim_customer, dim_sales_rep, mart_customer_score
    customers = sa.select(
        c.c.customer_key, c.c.segment, r.c.name.label("rep"), s.c.churn_probability.label("churn_risk")
    ).select_from(
        c.outerjoin(r, c.c.rep_key == r.c.rep_key).outerjoin(s, s.c.customer_key == c.c.customer_key)
    )
    campaigns = sa.select(
        dim_campaign.c.campaign_key,
        dim_campaign.c.name,
        dim_campaign.c.budget,
        dim_channel.c.name.label("channel"),
    ).select_from(
        dim_campaign.outerjoin(dim_channel, dim_channel.c.channel_key == dim_campaign.c.channel_key)
    )
    f = fact_sales_line
    docs = (
        sa.select(sa.func.sum(f.c.amount).label("amount"))
        .group_by(f.c.source, f.c.doc_type, f.c.doc_key)
        .order_by(sa.func.max(f.c.date_key).desc())
        .limit(2000)
    )
    with warehouse.begin() as conn:
        return {
            "customers": [
                {
                    "customer_key": int(row.customer_key),
                    "rep": row.rep or "unassigned",
                    "segment": row.segment,
                    "churn_risk": row.churn_risk or 0.0,
                }
                for row in conn.execute(customers.where(c.c.customer_key != 0).order_by(c.c.customer_key))
            ],
            "reps": list(conn.execute(sa.select(r.c.name).order_by(r.c.name)).scalars()),
            "campaigns": [
                {
                    "campaign_id": str(row.campaign_key),
                    "name": row.name,
                    "budget": float(row.budget or 0),
                    "channel": row.channel,
                }
                for row in conn.execute(campaigns.order_by(dim_campaign.c.campaign_key))
            ],
            "order_amounts": [
                float(a) for a in conn.execute(docs).scalars() if a is not None and float(a) > 0
            ],
        }
