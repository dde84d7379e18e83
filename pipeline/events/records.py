"""The records a stream processor reads and writes: reference data, KPI records, alerts and dead letters."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

UNASSIGNED_REP = "unassigned"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Customer:
    """A customer's enrichment, as ``c360.customers`` carries it."""

    customer_key: int
    rep: str = UNASSIGNED_REP
    region: str = UNKNOWN
    segment: str = UNKNOWN
    churn_risk: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Customer:
        return cls(
            customer_key=int(data["customer_key"]),
            rep=data.get("rep") or UNASSIGNED_REP,
            region=data.get("region") or UNKNOWN,
            segment=data.get("segment") or UNKNOWN,
            churn_risk=float(data.get("churn_risk") or 0.0),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_key": self.customer_key,
            "rep": self.rep,
            "region": self.region,
            "segment": self.segment,
            "churn_risk": self.churn_risk,
        }


@dataclass(frozen=True)
class Campaign:
    """A campaign and its budget in home currency (``None``: no budget, so no budget alerts)."""

    campaign_id: str
    name: str = ""
    budget: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Campaign:
        budget = data.get("budget")
        return cls(
            str(data["campaign_id"]), str(data.get("name") or ""), None if budget is None else float(budget)
        )

    def as_dict(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "name": self.name, "budget": self.budget}


@dataclass(frozen=True)
class KpiRecord:
    """One KPI record: a window, one dimension value and its full current measures (revenue in cents)."""

    window: str
    window_start: str
    window_end: str
    dimension: str
    dimension_value: str
    revenue_cents: int
    orders: int
    new_leads: int
    conversions: int
    active_customers: int
    events: int

    @property
    def key(self) -> str:
        """The record's key on ``c360.kpis``: ``window|window_start|dimension|dimension_value``."""
        return f"{self.window}|{self.window_start}|{self.dimension}|{self.dimension_value}"

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (revenue a number of pounds, exact to the penny)."""
        return {
            "window": self.window,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "dimension": self.dimension,
            "dimension_value": self.dimension_value,
            "revenue": self.revenue_cents / 100,
            "orders": self.orders,
            "new_leads": self.new_leads,
            "conversions": self.conversions,
            "active_customers": self.active_customers,
            "events": self.events,
        }

    def to_json(self) -> str:
        """The record as the KPI topic's value, revenue written with 2 decimals (``5130.50``)."""
        whole, pence = divmod(abs(self.revenue_cents), 100)
        revenue = f"{'-' if self.revenue_cents < 0 else ''}{whole}.{pence:02d}"
        items = (
            f"{json.dumps(k)}: {revenue if k == 'revenue' else json.dumps(v)}"
            for k, v in self.as_dict().items()
        )
        return "{" + ", ".join(items) + "}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KpiRecord:
        """A record read back from the KPI topic."""
        return cls(
            window=str(data["window"]),
            window_start=str(data["window_start"]),
            window_end=str(data["window_end"]),
            dimension=str(data["dimension"]),
            dimension_value=str(data["dimension_value"]),
            revenue_cents=round(float(data["revenue"]) * 100),
            orders=int(data["orders"]),
            new_leads=int(data["new_leads"]),
            conversions=int(data["conversions"]),
            active_customers=int(data["active_customers"]),
            events=int(data["events"]),
        )


@dataclass(frozen=True)
class Alert:
    """An alert as ``c360.alerts`` carries it; ``customer_key``, ``rep`` and ``region`` are None for campaigns."""

    alert_id: str
    rule: str
    severity: str
    customer_key: int | None
    rep: str | None
    region: str | None
    event_id: str
    occurred_at: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "rule": self.rule,
            "severity": self.severity,
            "customer_key": self.customer_key,
            "rep": self.rep,
            "region": self.region,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
            "message": self.message,
            "details": dict(self.details),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        """An alert read back from the alert topic."""
        return cls(
            alert_id=data["alert_id"],
            rule=data["rule"],
            severity=data["severity"],
            customer_key=data.get("customer_key"),
            rep=data.get("rep"),
            region=data.get("region"),
            event_id=data["event_id"],
            occurred_at=data["occurred_at"],
            message=data.get("message", ""),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class DeadLetter:
    """An event that broke the contract: ``reason`` is ``<code>: <detail>``, ``raw`` the received value as text."""

    reason: str
    raw: str

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0]

    def as_record(
        self, topic: str, partition: int | None = None, offset: int | None = None
    ) -> dict[str, Any]:
        """The value written to ``c360.events.dlq``: where the event was read, why it failed, and its text."""
        return {
            "reason": self.reason,
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class Output:
    """What one event did: the KPI records it updated, the alerts it fired, or why it was not counted."""

    kpis: list[KpiRecord] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    dead_letter: DeadLetter | None = None
    duplicate: bool = False
    expired: bool = False  # its UTC day had closed: counted nowhere, no alert
