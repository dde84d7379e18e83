"""Descriptive marts: RFM per customer, frequency/recency distributions, cohort retention, product and
category affinity, and DoD/DLW/WoW/MoM/YoY growth, as rows of their mart tables."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from models.descriptive import (
    cohort_retention,
    frequency_distribution,
    growth,
    product_affinity,
    recency_distribution,
    rfm_scores,
)
from pipeline.analytics.read import records

logger = logging.getLogger(__name__)

MIN_PAIR_ORDERS = 5  # product pairs bought together in fewer orders are left out of the affinity mart


def rfm_rows(lines: pd.DataFrame, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    """One row per customer with a purchase on or before `as_of`."""
    if lines.empty:
        return []
    rfm = rfm_scores(lines, as_of)
    return [
        {
            "customer_key": int(key),
            "recency_days": int(row["recency_days"]),
            "frequency": int(row["frequency"]),
            "monetary": round(float(row["monetary"]), 2),
            "r_score": int(row["r_score"]),
            "f_score": int(row["f_score"]),
            "m_score": int(row["m_score"]),
            "rfm": str(row["rfm"]),
            "segment": str(row["segment"]),
            "as_of": as_of.date(),
        }
        for key, row in zip(rfm.index, records(rfm), strict=True)
    ]


def distribution_rows(lines: pd.DataFrame, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    """Customers by number of orders and by days since their last purchase."""
    if lines.empty:
        return []
    rfm = rfm_scores(lines, as_of)
    rows = []
    for measure, table in (
        ("frequency", frequency_distribution(rfm)),
        ("recency", recency_distribution(rfm)),
    ):
        for order, row in enumerate(records(table), start=1):
            rows.append(
                {
                    "measure": measure,
                    "bin_order": order,
                    "bin": str(row["bin"]),
                    "customers": int(row["customers"]),
                    "share": float(row["share"]),
                }
            )
    return rows


def cohort_rows(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per (monthly cohort, months since first purchase) the cohort has reached."""
    if lines.empty:
        return []
    matrix = cohort_retention(lines)
    sizes = matrix.attrs["size"]
    rows = []
    for cohort, shares in matrix.iterrows():
        size = int(sizes[cohort])
        for age, share in shares.dropna().items():
            rows.append(
                {
                    "cohort_month": pd.Timestamp(str(cohort)).date(),
                    "months_since_first": int(str(age)),
                    "cohort_size": size,
                    "active_customers": round(float(share) * size),
                    "retention": float(share),
                }
            )
    return rows


def affinity_rows(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """Product pairs and category pairs bought in the same order, with support, confidence and lift."""
    if lines.empty:
        return []
    rows = []
    for level, column in (("product", "product"), ("category", "category")):
        table = product_affinity(lines, product_col=column, min_orders=MIN_PAIR_ORDERS)
        rows += [
            {
                "level": level,
                "item_a": str(r["product_a"]),
                "item_b": str(r["product_b"]),
                "orders": int(r["orders"]),
                "support": float(r["support"]),
                "confidence_a_b": float(r["confidence_a_b"]),
                "confidence_b_a": float(r["confidence_b_a"]),
                "lift": float(r["lift"]),
            }
            for r in records(table)
        ]
    return rows


def growth_rows(lines: pd.DataFrame, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    """Revenue, orders, new and active customers: this day/week/month/year to date vs the previous one."""
    if lines.empty:
        return []
    table = growth(lines, as_of)
    return [
        {
            "comparison": str(r["comparison"]),
            "metric": str(r["metric"]),
            "current_start": pd.Timestamp(r["current_start"]).date(),
            "current_end": pd.Timestamp(r["current_end"]).date(),
            "previous_start": pd.Timestamp(r["previous_start"]).date(),
            "previous_end": pd.Timestamp(r["previous_end"]).date(),
            "current_value": float(r["current"]),
            "previous_value": float(r["previous"]),
            "change": float(r["change"]),
            "change_pct": None if pd.isna(r["change_pct"]) else float(r["change_pct"]),
        }
        for r in records(table)
    ]
