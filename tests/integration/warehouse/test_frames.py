"""Query results as frames: an empty result keeps its columns and their types on every dialect."""

from __future__ import annotations

import decimal

import polars as pl
import pytest
import sqlalchemy as sa

from warehouse import frames
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


def test_a_result_read_in_parts_is_the_frame_read_at_once(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts whose columns alone would type differently (all NULL, whole numbers, other decimal places)."""
    values = [
        (None, None, None, None),
        (None, None, None, None),
        (1, "a", decimal.Decimal("1.5"), 2.0),
        (2, None, decimal.Decimal("2.25"), 3.5),
        (3, "c", None, None),
        (None, "d", decimal.Decimal("-4.125"), 1.0),
        (5, "e", decimal.Decimal("10"), None),
    ]
    query = sa.union_all(
        *(
            sa.select(
                sa.cast(sa.literal(i), sa.Integer).label("position"),
                sa.cast(sa.literal(whole), sa.Integer).label("whole"),
                sa.cast(sa.literal(text), sa.String(10)).label("text"),
                sa.cast(sa.literal(money), sa.Numeric(18, 4)).label("money"),
                sa.cast(sa.literal(ratio), sa.Float).label("ratio"),
            )
            for i, (whole, text, money, ratio) in enumerate(values)
        )
    )
    query = sa.select(query.subquery()).order_by(sa.text("position"))
    with warehouse.engine.connect() as conn:
        at_once = read_frame(conn, query)
        monkeypatch.setattr(frames, "PART_ROWS", 2)
        in_parts = read_frame(conn, query)
    assert in_parts.schema == at_once.schema
    assert in_parts.equals(at_once)
    assert in_parts.height == len(values)
