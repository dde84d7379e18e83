"""The warehouse frames the score step's models read, and the data end ("as of") they are scored at."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.frames import read_frame
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    customer_xref,
    dim_customer,
    dim_date,
    dim_product,
    fact_interaction,
    fact_sales_line,
    mart_kpi_daily,
    stg_customer,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    """The warehouse frames the models read (pandas), and the data end they are scored as of."""

    sales: pd.DataFrame  # customer_id, date, amount, quantity, product, category
    interactions: pd.DataFrame  # customer_id, date, kind, text
    customers: pd.DataFrame  # customer_id, is_customer, segment, first_seen, firmographic columns
    revenue: pd.Series  # daily revenue to as_of, DatetimeIndex with freq D
    as_of: pd.Timestamp


def read_inputs(conn: Connection) -> Inputs:
    """Sales, interactions, customers (with firmographics) and daily revenue from the core and marts."""
    f, d, p = fact_sales_line, dim_date, dim_product
    lines = pandas_frame(
        conn,
        sa.select(
            f.c.customer_key.label("customer_id"), f.c.date_key, f.c.amount, f.c.quantity, f.c.product_key
        )
        .join(d, d.c.date_key == f.c.date_key)
        .where(f.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY),  # walk-in sales: no customer to score
    )  # read as numbers, the product's names looked up after (``pipeline.analytics.read.read_lines``)
    products = pandas_frame(conn, sa.select(p.c.product_key, p.c.name, p.c.category)).set_index("product_key")
    sales = pd.DataFrame(
        {
            "customer_id": lines["customer_id"],
            "date": date_of_keys(lines["date_key"]),
            "amount": lines["amount"],
            "quantity": lines["quantity"],
            "product": lines["product_key"].map(products["name"]),
            "category": lines["product_key"].map(products["category"]),
        }
    )
    i = fact_interaction
    interactions = pandas_frame(
        conn,
        sa.select(i.c.customer_key.label("customer_id"), i.c.occurred_at.label("date"), i.c.kind, i.c.text),
    )
    interactions["date"] = pd.to_datetime(interactions["date"])
    c = dim_customer
    customers = pandas_frame(
        conn,
        sa.select(c.c.customer_key.label("customer_id"), c.c.is_customer, c.c.segment, c.c.first_seen).where(
            c.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY
        ),
    )
    customers = customers.merge(_firmographics(conn), on="customer_id", how="left")
    as_of = pd.Timestamp(sales["date"].max()) if len(sales) else pd.Timestamp("1970-01-01")
    kpi = pandas_frame(conn, sa.select(mart_kpi_daily.c.day, mart_kpi_daily.c.revenue))
    revenue = kpi.set_index(pd.to_datetime(kpi["day"]))["revenue"].astype(float).sort_index()
    revenue = revenue[revenue.index <= as_of].asfreq("D", fill_value=0.0).rename("revenue")
    return Inputs(sales.sort_values(["customer_id", "date"]), interactions, customers, revenue, as_of)


def date_of_keys(keys: pd.Series) -> pd.Series:
    """``dim_date`` keys (``YYYYMMDD``) as timestamps (to the millisecond, as dates read from the database);
    each distinct key is parsed once (a million sales lines fall on a few hundred days)."""
    codes, days = pd.factorize(keys.astype("int64"), sort=False)
    parsed = pd.to_datetime(pd.Series(days, dtype="int64").astype(str), format="%Y%m%d")
    return pd.Series(parsed.astype("datetime64[ms]").to_numpy()[codes], index=keys.index, name=keys.name)


def pandas_frame(conn: Connection, query: sa.Select[Any]) -> pd.DataFrame:
    """The rows of `query` as pandas; an empty result still has the query's columns, typed."""
    return read_frame(conn, query).to_pandas()


CONTACTS = ("website", "email", "phone")  # firmographics count them, never read them


def _firmographics(conn: Connection) -> pd.DataFrame:
    """Per golden customer, from lead, listing and profile records only (never the sales ledger)."""
    s, x = stg_customer, customer_xref
    rows = pandas_frame(
        conn,
        sa.select(
            x.c.customer_key.label("customer_id"),
            s.c.entity,
            s.c.lead_value,
            s.c.rating,
            s.c.followers,
            *[sa.case((s.c[name].is_(None), 0), else_=1).label(f"has_{name}") for name in CONTACTS],
        )  # whether a contact is there, asked of the database: nothing decrypted
        .join(s, (s.c.source == x.c.source) & (s.c.source_key == x.c.source_key))
        .where(s.c.entity.in_(["Lead", "Listing", "Profile"])),
    )
    flags = rows.assign(
        has_lead=rows["entity"] == "Lead",
        has_listing=rows["entity"] == "Listing",
        has_profile=rows["entity"] == "Profile",
    )
    columns = ["has_lead", "has_listing", "has_profile", "has_website", "has_email", "has_phone"]
    grouped = flags.groupby("customer_id")
    out = grouped[columns].max().astype(float)
    for name in ("lead_value", "rating", "followers"):
        out[name] = pd.to_numeric(grouped[name].max(), errors="coerce")
    return out.reset_index()
