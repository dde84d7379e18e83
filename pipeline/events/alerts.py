"""The alert rules of ``docs/realtime.md`` and the state they keep (lead scores, campaign spend, churn days)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.events.records import Alert, Campaign, Customer
from pipeline.events.windows import LONGEST

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thresholds:
    """Where the alert rules fire; the defaults are the contract's."""

    high_value_order_cents: int = 500_000
    churn_risk: float = 0.7
    negative_mention: float = -0.5
    lead_score: float = 70
    campaign_budget_percents: tuple[int, ...] = (80, 100)


DEFAULT_THRESHOLDS = Thresholds()


def to_cents(value: Any) -> int:
    """A JSON number of pounds as whole pence, rounded half-up (the number's decimal text, not its binary float)."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Enriched:
    """An event with its customer's enrichment and its time as microseconds."""

    event: Mapping[str, Any]
    customer: Customer
    known_customer: bool
    at: int
    day: str  # YYYY-MM-DD (UTC)
    day_start: int
    cents: int  # order amount or click cost in pence; 0 for other types


class AlertRules:
    """Fires alerts for one event at a time; remembers what the rules need across events."""

    def __init__(
        self, campaigns: Mapping[str, Campaign], thresholds: Thresholds = DEFAULT_THRESHOLDS
    ) -> None:
        self.campaigns = campaigns
        self.thresholds = thresholds
        self.lead_scores: dict[str, float] = {}
        self.campaign_spend: dict[str, int] = {}
        self.campaign_fired: dict[str, set[int]] = {}
        self.churn_fired: dict[int, set[int]] = {}  # UTC day's start -> customers alerted that day

    def check(self, e: Enriched) -> list[Alert]:
        """The alerts ``e`` fires, in the contract's rule order."""
        event, payload, t = e.event, e.event["payload"], self.thresholds
        alerts: list[Alert] = []
        kind = event["type"]
        if kind == "order_placed" and e.cents >= t.high_value_order_cents:
            message = f"Order {payload['order_id']} worth {_pounds(e.cents)}"
            alerts.append(self._customer_alert(e, "high_value_order", "high", message))
        if e.known_customer and e.customer.churn_risk >= t.churn_risk:
            alerted = self.churn_fired.setdefault(e.day_start, set())
            if e.customer.customer_key not in alerted:
                alerted.add(e.customer.customer_key)
                message = (
                    f"Customer {e.customer.customer_key} (churn risk {e.customer.churn_risk:.0%}) is active"
                )
                alerts.append(self._customer_alert(e, "churn_risk_active", "medium", message, e.day))
        if kind == "social_mention" and payload["sentiment"] <= t.negative_mention:
            message = f"Negative mention (sentiment {payload['sentiment']})"
            alerts.append(self._customer_alert(e, "negative_mention", "medium", message))
        if kind in ("lead_created", "lead_moved"):
            previous = self.lead_scores.get(payload["lead_id"], 0)
            self.lead_scores[payload["lead_id"]] = payload["score"]
            if payload["score"] >= t.lead_score > previous:
                message = f"Lead {payload['lead_id']} scored {payload['score']}"
                alerts.append(self._customer_alert(e, "lead_score_crossed", "medium", message))
        if kind == "campaign_click":
            alerts.extend(self._campaign_alerts(e, str(payload["campaign_id"])))
        return alerts

    def forget_closed_days(self, newest: int) -> None:
        """Drop churn-alert memory of UTC days closed at ``newest`` (their events no longer count)."""
        for day in [d for d in self.churn_fired if LONGEST.closes(d) <= newest]:
            del self.churn_fired[day]

    def _customer_alert(self, e: Enriched, rule: str, severity: str, message: str, day: str = "") -> Alert:
        key = e.event.get("customer_key")
        alert_id = f"{rule}:{key}:{day}" if day else f"{rule}:{e.event['event_id']}"
        details = {"type": e.event["type"], "channel": e.event.get("channel"), **_detail(e)}
        return Alert(
            alert_id=alert_id,
            rule=rule,
            severity=severity,
            customer_key=key,
            rep=e.customer.rep,
            region=e.customer.region,
            event_id=e.event["event_id"],
            occurred_at=e.event["occurred_at"],
            message=message,
            details=details,
        )

    def _campaign_alerts(self, e: Enriched, campaign_id: str) -> list[Alert]:
        spend = self.campaign_spend[campaign_id] = self.campaign_spend.get(campaign_id, 0) + e.cents
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or not campaign.budget or campaign.budget <= 0:
            return []
        budget = to_cents(campaign.budget)
        fired = self.campaign_fired.setdefault(campaign_id, set())
        alerts = []
        for percent in self.thresholds.campaign_budget_percents:
            if percent in fired or spend * 100 < percent * budget:
                continue
            fired.add(percent)
            alerts.append(
                Alert(
                    alert_id=f"campaign_budget:{campaign_id}:{percent}",
                    rule="campaign_budget",
                    severity="high" if percent >= 100 else "warning",
                    customer_key=None,
                    rep=None,
                    region=None,
                    event_id=e.event["event_id"],
                    occurred_at=e.event["occurred_at"],
                    message=f"Campaign {campaign.name or campaign_id} has spent {percent}% of its budget",
                    details={"campaign_id": campaign_id, "spend": _pounds(spend), "budget": _pounds(budget)},
                )
            )
        return alerts


def _detail(e: Enriched) -> dict[str, Any]:
    payload = e.event["payload"]
    if e.event["type"] == "order_placed":
        return {"order_id": payload["order_id"], "amount": _pounds(e.cents)}
    if e.event["type"] in ("lead_created", "lead_moved"):
        return {"lead_id": payload["lead_id"], "score": payload["score"], "stage": payload.get("stage")}
    if "sentiment" in payload:
        return {"sentiment": payload["sentiment"]}
    return {}


def _pounds(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
