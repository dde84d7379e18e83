"""The rows of each mart, from a frame of sales lines: every line (a full rebuild) or only some customers' or days'.

Definitions (also shown to users in the portal):
    active customer   bought at least once in the 90 days up to and including the day;
    new customer      first purchase ever on that day;
    orders            distinct sales documents (invoices and sales receipts);
    revenue           sales lines net of discounts and tax, in the home currency (``pipeline.money``).

Sales without a customer count as revenue and orders under the unidentified customer, which is no
customer: it is left out of every customer count and of ``mart_customer_kpi``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.steps.core import canonical_reps
from warehouse.frames import read_frame
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    dim_customer,
    dim_date,
    dim_product,
    dim_sales_rep,
    fact_interaction,
    fact_sales_line,
    stg_customer,
)

logger = logging.getLogger(__name__)

ACTIVE_DAYS = 90
UNASSIGNED, UNKNOWN = "Unassigned", "Unknown"
GRAINS = {"day": "day", "week": "week_start", "month": "month_start"}
FUNNEL = ("new", "contacted", "qualified", "proposal", "won", "lost")
KPI_COUNTS = ("orders", "active_customers", "new_customers")
_IDENTIFIED = pl.col("customer_key") != UNIDENTIFIED_CUSTOMER_KEY


def sales_frame(conn: Connection, where: sa.ColumnElement[bool] | None = None) -> pl.DataFrame:
    """Sales lines with the attributes the marts group by (only those ``where`` holds for, when given)."""
    f, d, c, p, r = fact_sales_line, dim_date, dim_customer, dim_product, dim_sales_rep
    query = (
        sa.select(
            f.c.source,
            f.c.doc_type,
            f.c.doc_key,
            f.c.customer_key,
            f.c.quantity,
            f.c.amount,
            d.c.day,
            d.c.week_start,
            d.c.month_start,
            sa.func.coalesce(r.c.name, UNASSIGNED).label("rep"),
            sa.func.coalesce(c.c.region, UNKNOWN).label("region"),
            sa.func.coalesce(p.c.category, UNKNOWN).label("category"),
            sa.func.coalesce(c.c.segment, UNASSIGNED).label("segment"),
            c.c.name.label("customer"),
            sa.func.coalesce(p.c.name, UNKNOWN).label("product"),
        )  # fmt: skip
        .join(d, d.c.date_key == f.c.date_key)
        .join(c, c.c.customer_key == f.c.customer_key)
        .outerjoin(p, p.c.product_key == f.c.product_key)
        .outerjoin(r, r.c.rep_key == f.c.rep_key)
    )
    frame = read_frame(conn, query if where is None else query.where(where))
    return frame.with_columns(
        pl.concat_str(["source", "doc_type", "doc_key"], separator="|").alias("order_id")
    )


def sales_rows(sales: pl.DataFrame) -> pl.DataFrame:
    """``mart_sales``: every grain's periods by rep, region, category and segment."""
    parts = [
        sales.group_by(pl.col(column).alias("period_start"), "rep", "region", "category", "segment")
        .agg(
            pl.col("amount").sum().round(2).alias("revenue"),
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("quantity").sum().alias("units"),
            pl.col("customer_key").filter(_IDENTIFIED).n_unique().alias("customers"),
        )
        .with_columns(pl.lit(grain).alias("grain"))
        for grain, column in GRAINS.items()
    ]
    return pl.concat(parts)


def kpi_daily(sales: pl.DataFrame, days: pl.Series, first: pl.DataFrame | None = None) -> pl.DataFrame:
    """Revenue, orders, active and new customers for every day of ``days``.

    ``sales`` holds every line of those days and of the 89 before each; ``first`` (``day``, ``new_customers``)
    counts first purchases when ``sales`` is not every line. Without any sale at all the mart stays empty,
    so the portal says there is no data yet rather than charting zeros.
    """
    calendar = pl.DataFrame({"day": days})
    if sales.height == 0 and first is None:
        return pl.DataFrame(
            schema={"day": pl.Date, "revenue": pl.Float64} | dict.fromkeys(KPI_COUNTS, pl.Int64)
        )
    daily = sales.group_by("day").agg(
        pl.col("amount").sum().round(2).alias("revenue"), pl.col("order_id").n_unique().alias("orders")
    )
    if first is None:
        first = (
            sales.filter(_IDENTIFIED)
            .group_by("customer_key")
            .agg(pl.col("day").min())
            .group_by("day")
            .agg(pl.len().alias("new_customers"))
        )
    return (
        calendar.join(daily, on="day", how="left")
        .join(first, on="day", how="left")
        .join(active_per_day(sales, calendar), on="day", how="left")
        .select(
            "day",
            pl.col("revenue").fill_null(0.0),
            pl.col("orders").fill_null(0).cast(pl.Int64),
            pl.col("active_customers").fill_null(0).cast(pl.Int64),
            pl.col("new_customers").fill_null(0).cast(pl.Int64),
        )
    )


def active_per_day(sales: pl.DataFrame, calendar: pl.DataFrame) -> pl.DataFrame:
    """Customers active on each day: each purchase covers the day and the next 89; overlaps merge per customer."""
    window = dt.timedelta(days=ACTIVE_DAYS)
    buys = sales.filter(_IDENTIFIED).select("customer_key", "day").unique().sort("customer_key", "day")
    spans = (
        buys.with_columns(
            (pl.col("day") - pl.col("day").shift(1).over("customer_key") >= window)
            .fill_null(True)
            .alias("starts")
        )
        .with_columns(pl.col("starts").cum_sum().over("customer_key").alias("span"))
        .group_by("customer_key", "span")
        .agg(pl.col("day").min().alias("start"), (pl.col("day").max() + window).alias("end"))
    )
    changes = (
        pl.concat(
            [
                spans.select(pl.col("start").alias("day"), pl.lit(1).alias("delta")),
                spans.select(pl.col("end").alias("day"), pl.lit(-1).alias("delta")),
            ]
        )
        .group_by("day")
        .agg(pl.col("delta").sum())
    )
    return (
        calendar.join(changes, on="day", how="full", coalesce=True)
        .sort("day")
        .with_columns(pl.col("delta").fill_null(0).cum_sum().alias("active_customers"))
        .select("day", "active_customers")
    )


def customer_kpis(
    conn: Connection, sales: pl.DataFrame, today: dt.date, keys: list[int] | None = None
) -> list[dict[str, Any]]:
    """``mart_customer_kpi``: every customer's, or only those of ``keys`` (``sales`` has all their lines)."""
    c, r = dim_customer, dim_sales_rep
    only = sa.true() if keys is None else c.c.customer_key.in_(keys)
    touched = sa.true() if keys is None else fact_interaction.c.customer_key.in_(keys)
    customers = read_frame(
        conn,
        sa.select(
            c.c.customer_key,
            c.c.name,
            c.c.city,
            c.c.region,
            c.c.segment,
            c.c.is_customer,
            c.c.completeness,
            r.c.name.label("rep"),
        )
        .outerjoin(r, r.c.rep_key == c.c.rep_key)
        .where(c.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY, only),
    )
    since = today - dt.timedelta(days=ACTIVE_DAYS)
    touches = read_frame(
        conn,
        sa.select(fact_interaction.c.customer_key, sa.func.count().label("interactions_90d"))
        .where(fact_interaction.c.occurred_at >= dt.datetime.combine(since, dt.time()), touched)
        .group_by(fact_interaction.c.customer_key),
    )
    year_ago = today - dt.timedelta(days=364)
    per_customer = (
        sales.group_by("customer_key").agg(
            pl.col("day").min().alias("first_purchase"),
            pl.col("day").max().alias("last_purchase"),
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("amount").sum().round(2).alias("revenue_total"),
            pl.col("amount").filter(pl.col("day") >= year_ago).sum().round(2).alias("revenue_365d"),
        )
        if sales.height
        else pl.DataFrame(
            schema={
                "customer_key": pl.Int64,
                "first_purchase": pl.Date,
                "last_purchase": pl.Date,
                "orders": pl.UInt32,
                "revenue_total": pl.Float64,
                "revenue_365d": pl.Float64,
            }
        )
    )
    frame = customers.join(per_customer, on="customer_key", how="left")
    if touches.height:
        frame = frame.join(touches, on="customer_key", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("interactions_90d"))
    rows = []
    for row in frame.iter_rows(named=True):
        orders = int(row["orders"] or 0)
        total = float(row["revenue_total"] or 0.0)
        last = row["last_purchase"]
        rows.append(
            row
            | {
                "orders": orders,
                "revenue_total": total,
                "revenue_365d": float(row["revenue_365d"] or 0.0),
                "avg_order_value": round(total / orders, 2) if orders else 0.0,
                "recency_days": (today - last).days if last else None,
                "interactions_90d": int(row["interactions_90d"] or 0),
                "is_active": bool(last and last > since),
                "rep": row["rep"] or UNASSIGNED,
            }
        )
    return rows


def lead_funnel(conn: Connection) -> list[dict[str, Any]]:
    """``mart_lead_funnel``: leads and their value per rep and stage, from every staged lead."""
    s = stg_customer
    leads = read_frame(
        conn, sa.select(s.c.sales_rep, s.c.lead_status, s.c.lead_value).where(s.c.lead_status.is_not(None))
    )
    if leads.height == 0:
        return []
    funnel = (
        leads.with_columns(
            pl.col("sales_rep").replace(canonical_reps(conn)).fill_null(UNASSIGNED).alias("rep"),
            pl.col("lead_status").str.strip_chars().str.to_lowercase().alias("stage"),
        )
        .group_by("rep", "stage")
        .agg(pl.len().alias("leads"), pl.col("lead_value").fill_null(0.0).sum().round(2).alias("value"))
    )
    order = {stage: i for i, stage in enumerate(FUNNEL, start=1)}
    return [
        row | {"stage_order": order.get(row["stage"], len(FUNNEL) + 1), "value": float(row["value"])}
        for row in funnel.iter_rows(named=True)
    ]
