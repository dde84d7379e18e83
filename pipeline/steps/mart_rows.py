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


def _lines() -> sa.FromClause:
    """Sales lines joined to the dimensions the marts group by."""
    f, d, c, p, r = fact_sales_line, dim_date, dim_customer, dim_product, dim_sales_rep
    return (
        f.join(d, d.c.date_key == f.c.date_key)
        .join(c, c.c.customer_key == f.c.customer_key)
        .outerjoin(p, p.c.product_key == f.c.product_key)
        .outerjoin(r, r.c.rep_key == f.c.rep_key)
    )


def _groups() -> list[sa.ColumnElement[Any]]:
    """What ``mart_sales`` groups by besides the period, as the marts name a missing value."""
    c, p, r = dim_customer.c, dim_product.c, dim_sales_rep.c
    return [
        sa.func.coalesce(r.name, UNASSIGNED).label("rep"),
        sa.func.coalesce(c.region, UNKNOWN).label("region"),
        sa.func.coalesce(p.category, UNKNOWN).label("category"),
        sa.func.coalesce(c.segment, UNASSIGNED).label("segment"),
    ]


def sales_frame(conn: Connection, where: sa.ColumnElement[bool] | None = None) -> pl.DataFrame:
    """Sales lines with the attributes the marts group by (only those ``where`` holds for, when given)."""
    f, d, c, p = fact_sales_line.c, dim_date.c, dim_customer.c, dim_product.c
    query = sa.select(
        f.source,
        f.doc_type,
        f.doc_key,
        f.customer_key,
        f.quantity,
        f.amount,
        d.day,
        d.week_start,
        d.month_start,
        *_groups(),
        c.name.label("customer"),
        sa.func.coalesce(p.name, UNKNOWN).label("product"),
    ).select_from(_lines())
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


def _order_id() -> sa.ColumnElement[Any]:
    f = fact_sales_line.c
    return f.source + "|" + f.doc_type + "|" + f.doc_key  # as sales_frame's order_id


def _revenue() -> sa.ColumnElement[Any]:
    """Revenue to the cent: every amount is in cents, so any order of adding gives what the frames give."""
    return sa.func.round(sa.func.sum(fact_sales_line.c.amount), 2, type_=sa.Float).label("revenue")


def sales_select(grain: str, where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """``mart_sales`` rows of one grain, grouped in the warehouse, over the lines ``where`` holds for."""
    f, period = fact_sales_line.c, dim_date.c[GRAINS[grain]]
    groups = _groups()
    identified = sa.case((f.customer_key != UNIDENTIFIED_CUSTOMER_KEY, f.customer_key))
    return (
        sa.select(
            sa.literal(grain, sa.String(5)).label("grain"),
            period.label("period_start"),
            *groups,
            _revenue(),
            sa.func.count(sa.distinct(_order_id())).label("orders"),
            sa.func.sum(f.quantity).label("units"),
            sa.func.count(sa.distinct(identified)).label("customers"),
        )
        .select_from(_lines())
        .where(where)
        .group_by(period, *groups)
    )


def daily_select(where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Revenue and orders per day, summed in the warehouse, over the lines ``where`` holds for."""
    d = dim_date.c
    query = sa.select(d.day, _revenue(), sa.func.count(sa.distinct(_order_id())).label("orders"))
    return query.select_from(_lines()).where(where).group_by(d.day)


def buys_select(where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """The days each identified customer bought on, among the lines ``where`` holds for."""
    f, d = fact_sales_line.c, dim_date.c
    query = sa.select(f.customer_key, d.day).join_from(fact_sales_line, dim_date, d.date_key == f.date_key)
    return query.where(f.customer_key != UNIDENTIFIED_CUSTOMER_KEY, where).distinct()


def kpi_daily(sales: pl.DataFrame, days: pl.Series) -> pl.DataFrame:
    """Revenue, orders, active and new customers for every day of the calendar.

    Without any sale the mart stays empty, so the portal says there is no data yet rather than charting zeros.
    """
    if sales.height == 0:
        return pl.DataFrame(
            schema={"day": pl.Date, "revenue": pl.Float64} | dict.fromkeys(KPI_COUNTS, pl.Int64)
        )
    daily = sales.group_by("day").agg(
        pl.col("amount").sum().round(2).alias("revenue"), pl.col("order_id").n_unique().alias("orders")
    )
    first = (
        sales.filter(_IDENTIFIED)
        .group_by("customer_key")
        .agg(pl.col("day").min())
        .group_by("day")
        .agg(pl.len().alias("new_customers"))
    )
    return kpi_rows(days, daily, first, sales.filter(_IDENTIFIED).select("customer_key", "day"))


def kpi_rows(days: pl.Series, daily: pl.DataFrame, first: pl.DataFrame, buys: pl.DataFrame) -> pl.DataFrame:
    """``mart_kpi_daily`` rows of ``days`` from each day's ``revenue`` and ``orders``, its count of first
    purchases (``new_customers``) and the days identified customers bought on (``buys``: every one in the
    89 days before each of ``days`` and on it)."""
    calendar = pl.DataFrame({"day": days})
    return (
        calendar.join(daily, on="day", how="left")
        .join(first, on="day", how="left")
        .join(active_per_day(buys, calendar), on="day", how="left")
        .select(
            "day",
            pl.col("revenue").fill_null(0.0),
            pl.col("orders").fill_null(0).cast(pl.Int64),
            pl.col("active_customers").fill_null(0).cast(pl.Int64),
            pl.col("new_customers").fill_null(0).cast(pl.Int64),
        )
    )


def active_per_day(buys: pl.DataFrame, calendar: pl.DataFrame) -> pl.DataFrame:
    """Customers active on each day: each purchase covers the day and the next 89; overlaps merge per customer."""
    window = dt.timedelta(days=ACTIVE_DAYS)
    buys = buys.select("customer_key", "day").unique().sort("customer_key", "day")
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
