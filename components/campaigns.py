"""Builders for the Campaigns page: pure functions from campaign mart rows to tables and per-channel totals.

Rows are those of ``mart_campaign_performance`` (``warehouse.analytics_queries.campaign_performance``).
Channel totals are summed from the campaigns and their ratios computed by the same function the mart
uses (``models.budget.campaign_metrics``), so a channel's ROI is its revenue over its spend, not an
average of its campaigns' ROIs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dash import html

from components import format as fmt
from components.analytics import NO_DATA
from components.controls import NUMBER, TEXT, WIDE, compact_table

CSV_COLUMNS = (
    "campaign_key", "name", "channel", "start_date", "end_date", "spend", "impressions", "clicks", "ctr",
    "conversions", "conversion_rate", "cac", "customers", "revenue", "roi",
)  # fmt: skip
_SUMMED = ("spend", "impressions", "clicks", "conversions", "customers", "revenue")


def roi_text(roi: float | None) -> str:
    """Return on spend as a signed percentage: ``+613%``, ``−100%`` (no revenue yet); ``—`` without spend."""
    if roi is None or pd.isna(roi):
        return "—"
    return f"{roi:+.0%}".replace("-", fmt.MINUS)


def _money(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else fmt.money(float(value))


def channel_totals(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per channel: summed spend, reach, conversions, customers and revenue, and their ratios; best
    ROI first."""
    from models.budget import campaign_metrics

    if not rows:
        return []
    frame = pd.DataFrame([{k: r[k] for k in ("channel", *_SUMMED)} for r in rows]).astype(
        {k: float for k in _SUMMED}
    )
    totals = campaign_metrics(frame, attributed=frame[["channel", "revenue"]], by="channel")
    totals["customers"] = frame.groupby("channel")["customers"].sum().reindex(totals["channel"]).to_numpy()
    totals["campaigns"] = frame.groupby("channel").size().reindex(totals["channel"]).to_numpy()
    ordered = totals.sort_values(["roi", "channel"], ascending=[False, True], na_position="last")
    return [{str(k): (None if pd.isna(v) else v) for k, v in r.items()} for r in ordered.to_dict("records")]


def channel_table(totals: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Per channel: spend, CTR, conversion rate, CAC, customers, attributed revenue and ROI."""
    head = [
        ("Channel", TEXT), ("Campaigns", WIDE), ("Spend", NUMBER), ("CTR", WIDE), ("Conversion", WIDE),
        ("CAC", NUMBER), ("Customers", WIDE), ("Revenue", WIDE), ("ROI", NUMBER),
    ]  # fmt: skip
    body = [
        [
            fmt.channel(str(t["channel"])),
            fmt.count(t["campaigns"]),
            fmt.money(t["spend"]),
            fmt.percent(t["ctr"], 2),
            fmt.percent(t["conversion_rate"], 3),
            _money(t["cac"]),
            fmt.count(t["customers"]),
            fmt.money(t["revenue"]),
            roi_text(t["roi"]),
        ]
        for t in totals
    ]
    return compact_table(head, body, table_id, NO_DATA)


def _dates(row: Mapping[str, Any]) -> str:
    start, end = row.get("start_date"), row.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        return fmt.day_span(start, end)
    return ""


def campaign_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Per campaign, best ROI first: dates, spend, reach, conversions, CAC, revenue and ROI."""
    head = [
        ("Campaign", TEXT), ("Channel", WIDE), ("Dates", WIDE), ("Spend", NUMBER), ("Clicks", WIDE),
        ("CTR", WIDE), ("Conversions", WIDE), ("CAC", NUMBER), ("Revenue", WIDE), ("ROI", NUMBER),
    ]  # fmt: skip
    body = [
        [
            str(r["name"]),
            fmt.channel(str(r["channel"])),
            _dates(r),
            fmt.money(float(r["spend"])),
            fmt.count(r["clicks"]),
            fmt.percent(r.get("ctr"), 2),
            fmt.count(r["conversions"]),
            _money(r.get("cac")),
            fmt.money(float(r["revenue"])),
            roi_text(r.get("roi")),
        ]
        for r in rows
    ]
    return compact_table(head, body, table_id, NO_DATA)


def campaigns_summary(totals: Sequence[Mapping[str, Any]]) -> str:
    """``£120,000 spent on 34 campaigns brought 640 new customers and £612,000 of revenue within a year of
    joining (ROI +410%).``"""
    if not totals:
        return NO_DATA
    spend = sum(float(t["spend"]) for t in totals)
    revenue = sum(float(t["revenue"]) for t in totals)
    customers = sum(int(t["customers"]) for t in totals)
    campaigns = sum(int(t["campaigns"]) for t in totals)
    roi = roi_text((revenue - spend) / spend if spend else None)
    return (
        f"{fmt.money(spend)} spent on {fmt.count(campaigns)} campaigns brought {fmt.count(customers)} new "
        f"customers and {fmt.money(revenue)} of revenue within a year of joining (ROI {roi})."
    )
