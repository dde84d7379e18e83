"""Marketing marts: campaign performance with last-touch attributed customers, per-channel response
curves, and the daily budget reallocated across channels and across recent campaigns."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from models.budget import ResponseCurve, allocate, attribute_customers, campaign_metrics, fit_response
from pipeline.analytics.read import records

logger = logging.getLogger(__name__)

RECENT_DAYS = 365  # channel curves are fitted on, and the budget is the mean daily spend of, this many days
LIVE_DAYS = 90  # campaigns with spend in this many days up to the data end are reallocated among themselves


def attributed(lines: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    """New customers attributed to campaigns (last touch), with their first-year revenue."""
    if lines.empty or days.empty:
        return pd.DataFrame(columns=["customer_id", "campaign_id", "channel", "acquired", "revenue"])
    return attribute_customers(lines, days)


def campaign_rows(days: pd.DataFrame, won: pd.DataFrame) -> list[dict[str, Any]]:
    """Spend, reach, CTR, conversion rate, CAC, attributed customers, revenue and ROI per campaign."""
    if days.empty:
        return []
    metrics = campaign_metrics(days, won, by="campaign_id").set_index("campaign_id")
    customers = won.groupby("campaign_id").size()
    info = days.drop_duplicates("campaign_id").set_index("campaign_id")
    rows = []
    for name, m in zip(metrics.index, records(metrics), strict=True):
        c = info.loc[str(name)]
        rows.append(
            {
                "campaign_key": int(c["campaign_key"]),
                "name": str(name),
                "channel": str(c["channel"]),
                "start_date": _date(c["start_date"]),
                "end_date": _date(c["end_date"]),
                "spend": round(float(m["spend"]), 2),
                "impressions": int(m["impressions"]),
                "clicks": int(m["clicks"]),
                "conversions": int(m["conversions"]),
                "ctr": _num(m["ctr"]),
                "conversion_rate": _num(m["conversion_rate"]),
                "cac": _num(m["cac"]),
                "customers": int(customers.get(name, 0)),
                "revenue": round(float(m["revenue"]), 2),
                "roi": _num(m["roi"]),
            }
        )
    return rows


def value_per_conversion(won: pd.DataFrame, by: str) -> dict[str, float]:
    """Mean first-year revenue of an attributed customer per `by` (channel or campaign_id)."""
    return {str(k): float(v) for k, v in won.groupby(by)["revenue"].mean().items()}


def fit_curves(days: pd.DataFrame, by: str, values: Mapping[str, float], fallback: float) -> dict[str, Any]:
    """A response curve per `by` value with spend, fitted on its daily series (zeros included)."""
    curves: dict[str, ResponseCurve] = {}
    spans: dict[str, int] = {}
    for key, rows in days.groupby(by):
        name = str(key)
        per_day = rows.groupby("date")[["spend", "conversions"]].sum().asfreq("D", fill_value=0)
        if not (per_day["spend"] > 0).any():
            continue
        value = values.get(name, fallback)
        curves[name] = fit_response(per_day["spend"], per_day["conversions"], name, value)
        spans[name] = len(per_day)
    return {"curves": curves, "days": spans}


def current_spend(days: pd.DataFrame, by: str, as_of: pd.Timestamp) -> pd.Series:
    """Mean daily spend per `by` over the `RECENT_DAYS` to `as_of` (the whole history if none recent)."""
    recent = days[days["date"] > as_of - pd.Timedelta(days=RECENT_DAYS)]
    if recent["spend"].sum() > 0:
        return recent.groupby(by)["spend"].sum() / float(RECENT_DAYS)
    span = max((days["date"].max() - days["date"].min()).days + 1, 1)
    return days.groupby(by)["spend"].sum() / float(span)


def response_rows(fitted: Mapping[str, Any], current: pd.Series) -> list[dict[str, Any]]:
    """The fitted curve of each channel and what it returns at the current daily spend."""
    rows = []
    for name, curve in sorted(fitted["curves"].items()):
        spend = float(current.get(name, 0.0))
        rows.append(
            {
                "channel": name,
                "alpha": curve.alpha,
                "half_saturation": curve.half,
                "shape": curve.shape,
                "decay": curve.decay,
                "value_per_conversion": curve.value_per_conversion,
                "days": int(fitted["days"][name]),
                "current_daily_spend": spend,
                "current_daily_return": float(curve.expected_return(spend)),
            }
        )
    return rows


def allocation_rows(
    level: str, curves: Mapping[str, ResponseCurve], current: pd.Series, channel_of: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Today's total daily spend split over `curves` to maximise expected return (nothing with < 2)."""
    names = sorted(curves)
    current = current.reindex(names, fill_value=0.0)  # a fitted channel with no spend now may get some
    total = float(current.sum())
    if len(names) < 2 or total <= 0:
        return []
    plan = allocate({n: curves[n] for n in names}, total).set_index("channel")
    rows = []
    for name in names:
        p = plan.loc[name]
        rows.append(
            {
                "level": level,
                "name": name[:200],
                "channel": channel_of.get(name, name),
                "daily_budget": total,
                "current_spend": float(current[name]),
                "recommended_spend": float(p["spend"]),
                "share": float(p["share"]),
                "expected_conversions": float(p["expected_conversions"]),
                "expected_return": float(p["expected_return"]),
                "current_return": float(curves[name].expected_return(float(current[name]))),
                "marginal_return": float(p["marginal_return"]),
                "roi": _num(p["roi"]),
            }
        )
    return rows


def marketing_rows(
    lines: pd.DataFrame, days: pd.DataFrame, as_of: pd.Timestamp
) -> dict[str, list[dict[str, Any]]]:
    """Rows of mart_campaign_performance, mart_channel_response and mart_budget_allocation."""
    won = attributed(lines, days)
    out: dict[str, list[dict[str, Any]]] = {
        "mart_campaign_performance": campaign_rows(days, won),
        "mart_channel_response": [],
        "mart_budget_allocation": [],
    }
    if days.empty:
        return out
    fallback = float(won["revenue"].mean()) if len(won) else 1.0
    channel_values = value_per_conversion(won, "channel")
    year = days[days["date"] > as_of - pd.Timedelta(days=RECENT_DAYS)]
    channels = fit_curves(year if len(year) else days, "channel", channel_values, fallback)
    channel_now = current_spend(days, "channel", as_of)
    out["mart_channel_response"] = response_rows(channels, channel_now)
    allocation = allocation_rows("channel", channels["curves"], channel_now, {})
    recent = days[days["date"] > as_of - pd.Timedelta(days=LIVE_DAYS)]
    live = days[days["campaign_id"].isin(set(recent["campaign_id"]))]
    if live["campaign_id"].nunique() >= 2:
        channel_of = dict(zip(live["campaign_id"], live["channel"], strict=True))
        values = {c: channel_values.get(ch, fallback) for c, ch in channel_of.items()}
        campaigns = fit_curves(live, "campaign_id", values, fallback)
        active = live[live["spend"] > 0].groupby("campaign_id")["spend"].mean()  # per day while running
        allocation += allocation_rows("campaign", campaigns["curves"], active, channel_of)
    out["mart_budget_allocation"] = allocation
    return out


def _date(value: Any) -> Any:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) or not np.isfinite(float(value)) else float(value)
