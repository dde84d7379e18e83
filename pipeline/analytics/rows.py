"""Every analytics mart's rows from one read of the warehouse (pure: frames in, rows out)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from models.pricing import price_guidance
from pipeline.analytics.descriptive import (
    affinity_rows,
    cohort_rows,
    distribution_rows,
    growth_rows,
    rfm_rows,
)
from pipeline.analytics.diagnostic import anomaly_rows, driver_rows
from pipeline.analytics.marketing import attributed, marketing_rows
from pipeline.analytics.read import Warehouse
from warehouse.schema import UNIDENTIFIED_CUSTOMER_KEY

logger = logging.getLogger(__name__)

NO_CAMPAIGN = "none"


def analytics_rows(data: Warehouse) -> dict[str, list[dict[str, Any]]]:
    """Rows per mart table name; empty lists when the warehouse has no sales yet."""
    lines, as_of = data.lines, data.as_of
    if lines.empty:
        return {name: [] for name in MART_NAMES}
    buyers = lines[lines["customer_id"] != UNIDENTIFIED_CUSTOMER_KEY]  # per-customer marts: no walk-ins
    won = attributed(buyers, data.campaign_days)
    campaign = won.set_index("customer_id")["campaign_id"] if len(won) else pd.Series(dtype=object)
    with_campaign = lines.assign(campaign=lines["customer_id"].map(campaign).fillna(NO_CAMPAIGN))
    return {
        "mart_customer_rfm": rfm_rows(buyers, as_of),
        "mart_purchase_distribution": distribution_rows(buyers, as_of),
        "mart_cohort_retention": cohort_rows(buyers),
        "mart_product_affinity": affinity_rows(lines),
        "mart_growth": growth_rows(lines, as_of),
        "mart_kpi_drivers": driver_rows(with_campaign, as_of),
        "mart_kpi_anomaly": anomaly_rows(data.kpi_daily),
        **marketing_rows(lines, data.campaign_days, as_of),
        "mart_price_guidance": price_rows(lines),
    }


def price_rows(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """Price guidance per customer segment and product category (or the reason there is none)."""
    table = price_guidance(lines[lines["list_price"].notna()], by=("segment", "category"))
    rows = table.to_dict("records")
    for row in rows:
        for name in ("elasticity", "std_error", "p_value", "recommended_change_pct"):
            row[name] = None if row[name] is None or pd.isna(row[name]) else float(row[name])
        row["observations"] = int(row["observations"])
        row["price_variation"] = float(row["price_variation"])
    return [{str(k): v for k, v in row.items()} for row in rows]


MART_NAMES = (
    "mart_customer_rfm",
    "mart_purchase_distribution",
    "mart_cohort_retention",
    "mart_product_affinity",
    "mart_growth",
    "mart_kpi_drivers",
    "mart_kpi_anomaly",
    "mart_campaign_performance",
    "mart_channel_response",
    "mart_budget_allocation",
    "mart_price_guidance",
)
