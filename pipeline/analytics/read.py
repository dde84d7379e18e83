"""The warehouse frames the analytics marts are computed from: order lines with their dimensions,
campaign days and the daily KPIs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.scoring.inputs import date_of_keys, pandas_frame
from warehouse.schema import (
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_date,
    dim_product,
    dim_sales_rep,
    fact_campaign_daily,
    fact_sales_line,
    mart_kpi_daily,
)

logger = logging.getLogger(__name__)

UNASSIGNED, UNKNOWN = "Unassigned", "Unknown"
LINE_COLUMNS = [
    "customer_id", "date", "order_id", "amount", "quantity", "unit_price", "list_price", "product",
    "category", "region", "rep", "segment", "channel",
]  # fmt: skip


@dataclass(frozen=True)
class Warehouse:
    """What the analytics read: order lines, campaign days (one row per campaign and day) and daily KPIs."""

    lines: pd.DataFrame
    campaign_days: pd.DataFrame
    kpi_daily: pd.DataFrame
    as_of: pd.Timestamp  # the last day with sales


def read_warehouse(conn: Connection) -> Warehouse:
    """Order lines, campaign days and daily KPIs up to the last day with sales."""
    lines = read_lines(conn)
    as_of = pd.Timestamp(lines["date"].max()) if len(lines) else pd.Timestamp("1970-01-01")
    days = read_campaign_days(conn)
    kpi = pandas_frame(conn, sa.select(mart_kpi_daily).order_by(mart_kpi_daily.c.day))
    kpi["day"] = pd.to_datetime(kpi["day"])
    return Warehouse(lines, days, kpi[kpi["day"] <= as_of].reset_index(drop=True), as_of)


def read_lines(conn: Connection) -> pd.DataFrame:
    """One row per sales line with the customer's region, rep and segment, the product and the channel.

    The lines are read as numbers (keys, the date's key, amounts) and the names looked up in the small
    dimensions afterwards: a million lines read as a dozen Python objects each, dates parsed one by one,
    took most of the analytics step's time."""
    f, d, c = fact_sales_line, dim_date, dim_customer
    query = (
        sa.select(
            f.c.customer_key.label("customer_id"),
            f.c.date_key,
            (f.c.source + "|" + f.c.doc_type + "|" + f.c.doc_key).label("order_id"),
            f.c.line_no,
            f.c.amount,
            f.c.quantity,
            f.c.unit_price,
            f.c.product_key,
            f.c.rep_key,
            f.c.channel_key,
        )
        .join(d, d.c.date_key == f.c.date_key)
        .join(c, c.c.customer_key == f.c.customer_key)
    )
    lines = pandas_frame(conn, query)
    lines["date"] = date_of_keys(lines["date_key"])
    p, r, ch = dim_product, dim_sales_rep, dim_channel
    products = pandas_frame(conn, sa.select(p.c.product_key, p.c.unit_price, p.c.name, p.c.category))
    products = products.set_index("product_key")
    customers = pandas_frame(conn, sa.select(c.c.customer_key, c.c.region, c.c.segment)).set_index(
        "customer_key"
    )
    reps = pandas_frame(conn, sa.select(r.c.rep_key, r.c.name)).set_index("rep_key")["name"]
    channels = pandas_frame(conn, sa.select(ch.c.channel_key, ch.c.name)).set_index("channel_key")["name"]
    lines["list_price"] = lines["product_key"].map(products["unit_price"])
    lines["product"] = lines["product_key"].map(products["name"]).fillna(UNKNOWN)
    lines["category"] = lines["product_key"].map(products["category"]).fillna(UNKNOWN)
    lines["region"] = lines["customer_id"].map(customers["region"]).fillna(UNKNOWN)
    lines["rep"] = lines["rep_key"].map(reps).fillna(UNASSIGNED)
    lines["segment"] = lines["customer_id"].map(customers["segment"]).fillna(UNASSIGNED)
    lines["channel"] = lines["channel_key"].map(channels).fillna(UNKNOWN)
    for name in ("amount", "quantity", "unit_price", "list_price"):
        lines[name] = pd.to_numeric(lines[name], errors="coerce").astype(float)
    ordered = lines.sort_values(["date", "order_id", "line_no"], kind="stable", ignore_index=True)
    return ordered[LINE_COLUMNS]


def read_campaign_days(conn: Connection) -> pd.DataFrame:
    """Spend, impressions, clicks and conversions per campaign and day, with the campaign's channel.

    `campaign_id` is the campaign's name, made unique with its key where two campaigns share one.
    """
    f, d, k, ch = fact_campaign_daily, dim_date, dim_campaign, dim_channel
    query = (
        sa.select(
            k.c.campaign_key,
            k.c.name.label("campaign_id"),
            ch.c.name.label("channel"),
            k.c.start_date,
            k.c.end_date,
            d.c.day.label("date"),
            f.c.spend,
            f.c.impressions,
            f.c.clicks,
            f.c.conversions,
        )
        .join(d, d.c.date_key == f.c.date_key)
        .join(k, k.c.campaign_key == f.c.campaign_key)
        .join(ch, ch.c.channel_key == k.c.channel_key)
        .order_by(k.c.campaign_key, d.c.day)
    )
    days = pandas_frame(conn, query)
    days["date"] = pd.to_datetime(days["date"])
    keys = days.groupby("campaign_id")["campaign_key"].transform("nunique")
    shared = keys > 1  # two sources' campaigns with one name stay apart: "Spring Sale #12"
    named = days["campaign_id"].astype(str) + " #" + days["campaign_key"].astype(str)  # typed even when empty
    days.loc[shared, "campaign_id"] = named[shared]
    days["spend"] = days["spend"].astype(float)
    return days.sort_values(["campaign_key", "date"], ignore_index=True)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of `frame` as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
