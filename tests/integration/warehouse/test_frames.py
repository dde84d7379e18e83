"""Query results as frames: an empty result keeps its columns and their types on every dialect."""

from __future__ import annotations

import datetime as dt
import decimal

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

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


def test_rows_read_from_the_driver_are_the_rows_sqlalchemy_gives(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Columns the driver returns as they are read past SQLAlchemy's rows; columns it converts go through them."""
    table = sa.Table(
        "frames_probe",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Unicode(40)),
        sa.Column("ratio", sa.Float),
        sa.Column("amount", sa.Numeric(14, 2, asdecimal=False)),
        sa.Column("day", sa.Date),
        sa.Column("flag", sa.Boolean),
    )
    rows = [
        {"id": i, "name": None if i % 7 == 0 else f"Café {i}", "ratio": None if i % 5 == 0 else i / 3,
         "amount": round(i * 1.25, 2), "day": dt.date(2026, 1, i), "flag": i % 2 == 0}
        for i in range(1, 12)
    ]  # fmt: skip
    t = table.c
    plain = sa.select(t.id, t.name, t.ratio, (t.name + "|" + sa.cast(t.id, sa.String)).label("key")).order_by(
        t.id
    )
    converted = sa.select(t.id, t.amount, t.day, t.flag).order_by(t.id)
    monkeypatch.setattr(frames, "PART_ROWS", 4)  # parts whose columns alone would type differently
    with warehouse.engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), rows)
        for query in (plain, converted):
            result = conn.execute(query)
            through_rows = pl.DataFrame([tuple(r) for r in result], schema=list(result.keys()), orient="row",
                                        infer_schema_length=None)  # fmt: skip
            assert_frame_equal(read_frame(conn, query), through_rows)  # values and types
        plain_straight = frames.driver_values(plain, conn.execute(plain).cursor.description, conn.dialect)
        converted_straight = frames.driver_values(
            converted, conn.execute(converted).cursor.description, conn.dialect
        )
    assert plain_straight  # whole numbers, floats and text come from the driver as they are
    assert not converted_straight  # dates (text on SQLite), booleans, decimals are converted by SQLAlchemy
