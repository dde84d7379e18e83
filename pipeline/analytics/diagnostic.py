"""Diagnostic marts: ranked drivers (mix and rate effects) of revenue, orders and average order value for
each recent week, and seasonality-aware anomaly flags on the daily KPIs."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from models.diagnostic import KPIS as DRIVER_KPIS
from models.diagnostic import AnomalyKind, Explanation, anomaly_flags, explain_changes
from pipeline.analytics.read import records

logger = logging.getLogger(__name__)

WEEKS = 2  # periods explained per baseline, the last one ending on the data end
#: baseline -> (days per period, periods averaged before it): the week vs the week before or the mean of the
#: 4 before, and the last 4 weeks vs the 4 weeks before (28 days hold each weekday four times).
BASELINES = {"previous_week": (7, 1), "mean_4_weeks": (7, 4), "previous_4_weeks": (28, 1)}
#: The daily KPIs flagged for unusual days, and what each is (`models.diagnostic.anomaly_flags`'s `kind`).
KPIS: dict[str, AnomalyKind] = {
    "revenue": "amount",
    "orders": "count",
    "new_customers": "count",
    "active_customers": "level",  # bought in the 90 days to the day: its daily move is what can be unusual
}


def period_starts(as_of: pd.Timestamp, weeks: int = WEEKS, days: int = 7) -> list[pd.Timestamp]:
    """First days of the `weeks` periods of `days` ending on `as_of`, newest first (same weekdays each)."""
    last = as_of.normalize() - pd.Timedelta(days=days - 1)
    return [last - pd.Timedelta(days=days * k) for k in range(weeks)]


def driver_rows(lines: pd.DataFrame, as_of: pd.Timestamp, weeks: int = WEEKS) -> list[dict[str, Any]]:
    """Per recent period, baseline and KPI: every dimension member's contribution to the KPI's change.

    `lines` are order lines with `date, amount, order_id, customer_id` and the dimension columns (region,
    rep, category, segment, channel, campaign). Periods without a full baseline before them are skipped.
    """
    if lines.empty:
        return []
    first = lines["date"].min().normalize()
    rows = []
    for baseline, (days, periods) in BASELINES.items():
        for start in period_starts(as_of, weeks, days):
            since, until = start - pd.Timedelta(days=days * periods), start + pd.Timedelta(days=days)
            if since < first:
                continue
            window = lines[(lines["date"] >= since) & (lines["date"] < until)]
            explained = explain_changes(
                window, start, kpis=list(DRIVER_KPIS), days=days, baseline_periods=periods
            )
            for each in explained:
                rows += _driver_records(each, start, baseline, days)
    return rows


def _driver_records(
    explained: Explanation, start: pd.Timestamp, baseline: str, days: int
) -> list[dict[str, Any]]:
    """One `mart_kpi_drivers` row per dimension member of an explained period."""
    return [
        {
            "period_start": start.date(),
            "baseline": baseline,
            "kpi": explained.kpi,
            "dimension": str(r["dimension"]),
            "member": str(r["member"])[:200],
            "period_end": (start + pd.Timedelta(days=days - 1)).date(),
            "kpi_before": round(explained.before, 2),
            "kpi_after": round(explained.after, 2),
            "before_value": float(r["before"]),
            "after_value": float(r["after"]),
            "volume_before": float(r["volume_before"]),
            "volume_after": float(r["volume_after"]),
            "mix_effect": float(r["mix_effect"]),
            "rate_effect": float(r["rate_effect"]),
            "contribution": float(r["contribution"]),
            "share_of_change": _num(r["share_of_change"]),
            "change_pct": _num(r["change_pct"]),
            "rank": int(r["rank"]),
            "summary": explained.summary[:500],
        }
        for r in records(explained.table)
    ]


def anomaly_rows(kpi_daily: pd.DataFrame) -> list[dict[str, Any]]:
    """Per day and KPI: actual, same-weekday expectation, robust z-score and the flag."""
    if kpi_daily.empty:
        return []
    daily = kpi_daily.set_index("day").sort_index()
    daily = (
        daily[daily.index >= daily.index[daily["orders"] > 0].min()] if (daily["orders"] > 0).any() else daily
    )
    rows = []
    for kpi, kind in KPIS.items():
        flags = anomaly_flags(daily[kpi].astype(float), kind=kind)
        rows += [
            {
                "day": pd.Timestamp(str(day)).date(),
                "kpi": kpi,
                "actual": float(r["actual"]),
                "expected": _num(r["expected"]),
                "robust_z": _num(r["robust_z"]),
                "is_anomaly": bool(r["anomaly"]),
            }
            for day, r in zip(flags.index, records(flags), strict=True)
        ]
    return rows


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
