"""The bounded channel budget plan, budget alerts, and reallocation requests with manager approval.

Requirement 7.6 (preventing maverick spending): a reallocation that moves more daily spend than
``settings.budget_approval_threshold`` waits for a manager (or admin) other than the requester; smaller
ones are applied at once. Every request and decision is a row of ``app_budget_request`` and an entry of
the audit log. A budget alert is a channel whose mean daily spend over the last 7 days crossed
``settings.budget_alert_ratio`` × its daily budget (the mean daily spend of the last 365 days).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from warehouse import audit
from warehouse.engine import Warehouse, WarehouseError
from warehouse.schema import (
    app_budget_request,
    dim_campaign,
    dim_channel,
    dim_date,
    fact_campaign_daily,
    mart_channel_response,
)

logger = logging.getLogger(__name__)

DECIDER_ROLES = frozenset({"manager", "admin"})
PENDING, APPROVED, REJECTED, AUTO = "pending", "approved", "rejected", "auto_approved"
ALERT_DAYS = 7
CURVE_DAYS = 365


class BudgetError(Exception):
    """A budget request or decision that is not allowed (who, which request, what state)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def channel_spend_query(start: dt.date) -> sa.Select[Any]:
    """Spend and conversions per channel and day from ``start`` on."""
    f, c, ch, d = fact_campaign_daily.c, dim_campaign.c, dim_channel.c, dim_date.c
    joined = fact_campaign_daily.join(dim_campaign, f.campaign_key == c.campaign_key)
    joined = joined.join(dim_channel, c.channel_key == ch.channel_key).join(
        dim_date, f.date_key == d.date_key
    )
    return (
        sa.select(
            ch.name.label("channel"),
            d.day,
            sa.func.sum(f.spend).label("spend"),
            sa.func.sum(f.conversions).label("conversions"),
        )
        .select_from(joined)
        .where(d.day >= start)
        .group_by(ch.name, d.day)
        .order_by(ch.name, d.day)
    )


def channel_days(
    warehouse: Warehouse, end: dt.date, days: int = CURVE_DAYS, column: str = "spend"
) -> dict[str, pd.Series]:
    """Each channel's daily spend (or ``column="conversions"``) over the ``days`` to ``end``, zero-filled."""
    start = end - dt.timedelta(days=days - 1)
    index = pd.date_range(start, end, freq="D")
    values: dict[str, dict[pd.Timestamp, float]] = {}
    for row in warehouse.rows(channel_spend_query(start)):
        values.setdefault(str(row["channel"]), {})[pd.Timestamp(_day(row["day"]))] = float(row[column] or 0)
    return {
        name: pd.Series(days, dtype=float).reindex(index, fill_value=0.0) for name, days in values.items()
    }


@dataclass(frozen=True)
class Alert:
    """A channel spending above its alert line."""

    channel: str
    recent_daily_spend: float
    daily_budget: float
    ratio: float

    def sentence(self) -> str:
        return (
            f"{self.channel}: £{self.recent_daily_spend:,.2f} a day over the last {ALERT_DAYS} days, "
            f"{self.recent_daily_spend / self.daily_budget:.1f}× its £{self.daily_budget:,.2f} daily budget"
        )


def budget_alerts(spend: Mapping[str, pd.Series], ratio: float) -> list[Alert]:
    """Pure: channels whose last-week mean daily spend exceeds ``ratio`` × their mean over the whole series."""
    alerts = []
    for channel, series in sorted(spend.items()):
        budget = float(series.mean())
        recent = float(series.iloc[-ALERT_DAYS:].mean())
        if budget > 0 and recent > ratio * budget:
            alerts.append(Alert(channel, recent, budget, ratio))
    return alerts


def channel_plan(warehouse: Warehouse, end: dt.date, lower: float, upper: float) -> Any:
    """The bounded plan (``models.budget_bounds``) from the fitted curves in ``mart_channel_response``, its
    gain a range over draws of each curve (fitted to the same ``CURVE_DAYS`` of spend and conversions)."""
    from models.budget import ResponseCurve
    from models.budget_bounds import bounded_allocation, curve_draws, variation_reason

    rows = warehouse.rows(sa.select(mart_channel_response).order_by(mart_channel_response.c.channel))
    if len(rows) < 2:
        return None
    curves = {
        str(r["channel"]): ResponseCurve(
            str(r["channel"]),
            float(r["alpha"]),
            float(r["half_saturation"]),
            float(r["shape"]),
            float(r["decay"]),
            float(r["value_per_conversion"]),
        )
        for r in rows
    }
    current = {str(r["channel"]): float(r["current_daily_spend"]) for r in rows}
    spend = channel_days(warehouse, end)
    held = {
        name: reason
        for name in curves
        if (reason := variation_reason(spend.get(name, pd.Series(dtype=float)))) is not None
    }
    conversions = channel_days(warehouse, end, column="conversions")
    draws = {
        name: curve_draws(curve, spend[name], conversions[name])
        for name, curve in curves.items()
        if name not in held and name in spend
    }
    return bounded_allocation(curves, current, lower=lower, upper=upper, held=held, draws=draws)


def amount_moved(plan_rows: Sequence[Mapping[str, Any]]) -> float:
    """Daily spend a plan moves between channels: the sum of the increases (equal to the decreases)."""
    return round(sum(max(float(r["recommended"]) - float(r["current"]), 0.0) for r in plan_rows), 2)


@dataclass(frozen=True)
class Request:
    """One reallocation request and where it stands."""

    request_id: int
    requested_at: dt.datetime
    requested_by: str
    plan: list[dict[str, Any]]
    amount_moved: float
    threshold: float
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None

    def sentence(self) -> str:
        """Where the request stands, in words."""
        moved = f"moves £{self.amount_moved:,.2f} a day"
        if self.status == PENDING:
            return f"Waiting for a manager's approval: {moved}, above the £{self.threshold:,.2f} threshold."
        if self.status == AUTO:
            return f"Applied: {moved}, within the £{self.threshold:,.2f} a manager must approve above."
        verb = "Approved" if self.status == APPROVED else "Rejected"
        return f"{verb} by {self.decided_by}: {moved}."


def _request(row: Mapping[str, Any]) -> Request:
    return Request(
        int(row["request_id"]),
        row["requested_at"],
        str(row["requested_by"]),
        json.loads(row["plan"]),
        float(row["amount_moved"]),
        float(row["threshold"]),
        str(row["status"]),
        row["decided_by"],
        row["decided_at"],
        row["note"],
    )


def request_reallocation(
    warehouse: Warehouse,
    actor: str,
    plan_rows: Sequence[Mapping[str, Any]],
    threshold: float,
    now: Callable[[], dt.datetime] = _utcnow,
) -> Request:
    """Record a reallocation request: applied at once up to ``threshold`` moved a day, else pending."""
    if not plan_rows:
        raise BudgetError("a reallocation request needs at least one channel")
    moved = amount_moved(plan_rows)
    status = PENDING if moved > threshold else AUTO
    at = now()
    values: dict[str, Any] = {
        "requested_at": at,
        "requested_by": actor[:80],
        "plan": json.dumps([dict(r) for r in plan_rows], sort_keys=True, default=float),
        "amount_moved": moved,
        "threshold": threshold,
        "status": status,
        "decided_by": None if status == PENDING else "threshold",
        "decided_at": None if status == PENDING else at,
        "note": None,
    }
    with warehouse.begin() as conn:
        key = conn.execute(app_budget_request.insert().values(**values)).inserted_primary_key
        if key is None:
            raise WarehouseError("insert returned no id", table="app_budget_request")
        request_id = int(key[0])
        detail = audit.detail_json(amount_moved=moved, threshold=threshold, status=status)
        audit.append(conn, actor, "budget.request", f"budget_request:{request_id}", detail, at=at)
    logger.info("budget request %d by %s: %s (%.2f a day moved)", request_id, actor, status, moved)
    return get_request(warehouse, request_id)


def get_request(warehouse: Warehouse, request_id: int) -> Request:
    rows = warehouse.rows(sa.select(app_budget_request).where(app_budget_request.c.request_id == request_id))
    if not rows:
        raise BudgetError(f"budget request {request_id} does not exist")
    return _request(rows[0])


def list_requests(warehouse: Warehouse, status: str | None = None, limit: int = 20) -> list[Request]:
    """The latest requests, newest first (optionally only those in ``status``)."""
    query = sa.select(app_budget_request).order_by(app_budget_request.c.request_id.desc()).limit(limit)
    if status is not None:
        query = query.where(app_budget_request.c.status == status)
    return [_request(r) for r in warehouse.rows(query)]


def decide(
    warehouse: Warehouse,
    request_id: int,
    actor: str,
    role: str | None,
    approve: bool,
    note: str | None = None,
    now: Callable[[], dt.datetime] = _utcnow,
) -> Request:
    """A manager (or admin) other than the requester approves or rejects a pending request; audited."""
    if role not in DECIDER_ROLES:
        raise BudgetError(f"{actor} ({role}) may not decide budget requests: managers and admins do")
    request = get_request(warehouse, request_id)
    if request.status != PENDING:
        raise BudgetError(f"budget request {request_id} is {request.status}, not pending")
    if request.requested_by == actor:
        raise BudgetError(f"budget request {request_id}: the requester cannot approve their own reallocation")
    status = APPROVED if approve else REJECTED
    at = now()
    with warehouse.begin() as conn:
        updated = conn.execute(
            app_budget_request.update()
            .where((app_budget_request.c.request_id == request_id) & (app_budget_request.c.status == PENDING))
            .values(
                status=status, decided_by=actor[:80], decided_at=at, note=None if note is None else note[:500]
            )
        ).rowcount
        if updated != 1:
            raise BudgetError(f"budget request {request_id} was decided by someone else first")
        detail = audit.detail_json(amount_moved=request.amount_moved, status=status, note=note)
        audit.append(
            conn,
            actor,
            f"budget.{'approve' if approve else 'reject'}",
            f"budget_request:{request_id}",
            detail,
            at=at,
        )
    return get_request(warehouse, request_id)
