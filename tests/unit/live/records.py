"""KPI records and alerts shaped as in docs/realtime.md, for the live board's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

NOW = dt.datetime(2026, 12, 4, 10, 15, 30, tzinfo=dt.UTC)
TODAY = "2026-12-04T00:00:00Z"
YESTERDAY = "2026-12-03T00:00:00Z"
WINDOW_LENGTH = {"1m": dt.timedelta(minutes=1), "1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1)}


def kpi(
    window: str,
    start: str,
    dimension: str = "all",
    value: str = "all",
    *,
    revenue: str = "0.00",
    orders: int = 0,
    new_leads: int = 0,
    conversions: int = 0,
    active_customers: int = 0,
    events: int = 1,
) -> dict[str, Any]:
    begin = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    end = (begin + WINDOW_LENGTH[window]).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "window": window,
        "window_start": start,
        "window_end": end,
        "dimension": dimension,
        "dimension_value": value,
        "revenue": revenue,
        "orders": orders,
        "new_leads": new_leads,
        "conversions": conversions,
        "active_customers": active_customers,
        "events": events,
    }


def alert(
    alert_id: str, rep: str | None, rule: str = "high_value_order", customer_key: int | None = 1
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "rule": rule,
        "severity": "high",
        "customer_key": customer_key,
        "rep": rep,
        "region": "North" if rep else None,
        "event_id": alert_id.split(":")[-1],
        "occurred_at": "2026-12-04T10:15:00.000Z",
        "message": f"{rule} for {rep or 'a campaign'}",
        "details": {},
    }
