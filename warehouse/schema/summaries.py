"""Summary tables the portal reads instead of grouping a mart per request (built by the marts step)."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import Money, Name, metadata

# Revenue and orders per day for each member of each sales dimension (region, rep, category, segment):
# mart_sales's day grain summed over the other three dimensions, so a period's breakdown reads
# days x members rows by primary key instead of every combination sold.
mart_sales_by_day = sa.Table(
    "mart_sales_by_day",
    metadata,
    sa.Column("dimension", sa.String(10), primary_key=True),  # region, rep, category, segment
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("label", Name(100), primary_key=True),
    sa.Column("revenue", Money(), nullable=False),
    sa.Column("orders", sa.Integer, nullable=False),
)
