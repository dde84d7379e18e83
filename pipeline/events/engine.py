"""The embedded stream processor: validates, de-duplicates and enriches events, keeps windowed KPIs, fires alerts.

It computes what ``docs/realtime.md`` says, one event at a time, in arrival order; the Kafka Streams app in
``streams/`` follows the same contract. State stays bounded: windows are dropped once closed, and an event id
is remembered only until the event's UTC day closes (after that the event counts nowhere anyway).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pipeline.events.alerts import DEFAULT_THRESHOLDS, AlertRules, Enriched, Thresholds, to_cents
from pipeline.events.records import Campaign, Customer, DeadLetter, KpiRecord, Output
from pipeline.events.schema import InvalidEvent, validate
from pipeline.events.windows import EPOCH, LONGEST, Counted, WindowStore

logger = logging.getLogger(__name__)

MONEY_FIELDS = {"order_placed": "amount", "campaign_click": "cost"}


class StreamEngine:
    """Turns events into KPI records and alerts; safe to call from several threads."""

    def __init__(
        self,
        customers: Mapping[int, Customer],
        campaigns: Mapping[str, Campaign],
        *,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self._customers = {key: _packed(c) for key, c in customers.items()}
        self._campaigns = dict(campaigns)
        self._rules = AlertRules(self._campaigns, thresholds)
        self._windows = WindowStore()
        self._seen: dict[int, set[str]] = {}  # UTC day's start -> ids of that day's events
        self._newest: int | None = None
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # processed, dead_letters, duplicates, expired

    def process(self, raw: bytes | str | Mapping[str, Any]) -> Output:
        """Process one received event: the KPI records it updated and the alerts it fired, or its dead letter."""
        try:
            event = validate(raw)
            at = event_time(event["occurred_at"])
        except InvalidEvent as e:
            logger.debug("dead letter: %s", e.reason)
            with self._lock:
                self.counts["dead_letters"] += 1
            return Output(dead_letter=DeadLetter(e.reason, raw_text(raw)))
        cents = to_cents(exact_money(raw, event)) if event["type"] in MONEY_FIELDS else 0
        with self._lock:
            return self._count(event, at, cents)

    def kpis(self) -> list[KpiRecord]:
        """Every KPI record of the windows still open."""
        with self._lock:
            return list(self._windows.records())

    def upsert_customer(self, customer: Customer) -> None:
        """Add or change a customer's enrichment; events from now on use it."""
        with self._lock:
            self._customers[customer.customer_key] = _packed(customer)

    def upsert_campaign(self, campaign: Campaign) -> None:
        """Add or change a campaign (its budget); clicks from now on are checked against it."""
        with self._lock:
            self._campaigns[campaign.campaign_id] = campaign

    def state_size(self) -> dict[str, int]:
        """How much the engine remembers (to watch memory on a long run)."""
        with self._lock:
            return {
                "windows": self._windows.open_windows,
                "kpi_records": sum(1 for _ in self._windows.records()),
                "event_ids": sum(len(ids) for ids in self._seen.values()),
                "churn_days": len(self._rules.churn_fired),
                "leads": len(self._rules.lead_scores),
            }

    def _count(self, event: dict[str, Any], at: int, cents: int) -> Output:
        event_id = event["event_id"]
        if any(event_id in ids for ids in self._seen.values()):
            self.counts["duplicates"] += 1
            return Output(duplicate=True)
        newest = at if self._newest is None else max(self._newest, at)
        day_start = LONGEST.start(at)
        if LONGEST.closes(day_start) <= newest:
            logger.debug("event %s arrived after its day closed; not counted", event_id)
            self.counts["expired"] += 1
            return Output(expired=True)
        self._seen.setdefault(day_start, set()).add(event_id)
        if newest != self._newest:
            self._newest = newest
            self._forget_closed(newest)
        enriched = self._enrich(event, at, day_start, cents)
        kpis = self._windows.add(_counted(enriched), newest)
        alerts = self._rules.check(enriched)
        self.counts["processed"] += 1
        return Output(kpis=kpis, alerts=alerts)

    def _enrich(self, event: dict[str, Any], at: int, day_start: int, cents: int) -> Enriched:
        key = event.get("customer_key")
        packed = self._customers.get(key) if key is not None else None
        customer = Customer(*packed) if packed is not None else None
        day = (EPOCH + dt.timedelta(microseconds=day_start)).date().isoformat()
        return Enriched(
            event=event,
            customer=customer or Customer(customer_key=key if key is not None else 0),
            known_customer=customer is not None,
            at=at,
            day=day,
            day_start=day_start,
            cents=cents,
        )

    def _forget_closed(self, newest: int) -> None:
        self._windows.close(newest)
        self._rules.forget_closed_days(newest)
        for day in [d for d in self._seen if LONGEST.closes(d) <= newest]:
            del self._seen[day]


def _packed(customer: Customer) -> tuple[int, str, str, str, float]:
    """A customer as a plain tuple of plain values: the collector stops tracking those, so a million of
    them cost nothing at each full collection (a dataclass instance is walked every time)."""
    return (customer.customer_key, customer.rep, customer.region, customer.segment, customer.churn_risk)


def _counted(e: Enriched) -> Counted:
    channel = e.event.get("channel")
    return Counted(
        at=e.at,
        event_type=e.event["type"],
        stage=e.event["payload"].get("stage"),
        cents=e.cents,
        customer_key=e.event.get("customer_key"),
        dimensions=(
            ("all", "all"),
            ("rep", e.customer.rep),
            ("region", e.customer.region),
            ("channel", channel if channel is not None else "unknown"),
        ),
    )


def event_time(occurred_at: str) -> int:
    """``occurred_at`` as microseconds since the epoch; a date that does not exist is a schema failure."""
    try:
        when = dt.datetime.fromisoformat(occurred_at)
    except ValueError as e:
        raise InvalidEvent("schema", f"occurred_at: {e}") from e
    return (when - EPOCH) // dt.timedelta(microseconds=1)


def exact_money(raw: bytes | str | Mapping[str, Any], event: Mapping[str, Any]) -> Decimal:
    """The order amount or click cost as the decimal number the sender wrote (not its nearest binary float)."""
    name = MONEY_FIELDS[event["type"]]
    if isinstance(raw, bytes | str):
        return Decimal(json.loads(raw, parse_float=Decimal)["payload"][name])
    value = event["payload"][name]
    return value if isinstance(value, Decimal) else Decimal(str(value))


def raw_text(raw: bytes | str | Mapping[str, Any]) -> str:
    """The received value as text, for the dead-letter record."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    if isinstance(raw, str):
        return raw
    return json.dumps(dict(raw), default=str)
