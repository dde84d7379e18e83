"""Query results as frames: an empty result keeps its columns and their types on every dialect."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.frames import read_frame
from warehouse.migrate import upgrade
from warehouse.schema import dim_customer, dim_date, fact_sales_line


def test_an_empty_result_joins_like_a_full_one(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    f, d = fact_sales_line, dim_date
    query = (
        sa.select(f.c.customer_key, f.c.amount, f.c.source, d.c.day, sa.func.count().label("lines"))
        .join(d, d.c.date_key == f.c.date_key)
        .group_by(f.c.customer_key, f.c.amount, f.c.source, d.c.day)
    )
    with warehouse.engine.connect() as conn:
        sales = read_frame(conn, query)
        customers = read_frame(conn, sa.select(dim_customer.c.customer_key, dim_customer.c.is_customer))
    assert sales.schema == pl.Schema(
        {
            "customer_key": pl.Int64,
            "amount": pl.Float64,
            "source": pl.String,
            "day": pl.Date,
            "lines": pl.Int64,
        }
    )
    assert customers.schema == pl.Schema({"customer_key": pl.Int64, "is_customer": pl.Boolean})
    joined = pl.DataFrame({"customer_key": [7]}).join(sales, on="customer_key", how="left")
    assert joined.row(0) == (7, None, None, None, None)  # a customer without sales, not a SchemaError
