"""Summary tables the portal reads instead of grouping a mart per request (built by the batch steps)."""

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

# Customers and expected value per next best action for each combination of what the Actions page
# filters on (rep, region, RFM segment, spend quintile): built by the score step from mart_customer_score,
# so the page sums a few hundred rows instead of grouping every score. Customers opted out since are
# subtracted at read time (warehouse.action_queries.action_summary). A customer without a rep, region or
# RFM row is kept under 0 / '' (no filter value equals those), so the key is never NULL.
mart_action_summary = sa.Table(
    "mart_action_summary",
    metadata,
    sa.Column("rep_key", sa.Integer, primary_key=True),
    sa.Column("region", Name(100), primary_key=True),
    sa.Column("rfm_segment", sa.String(30), primary_key=True),
    sa.Column("m_score", sa.Integer, primary_key=True),
    sa.Column("action", sa.String(40), primary_key=True),
    sa.Column("customers", sa.Integer, nullable=False),
    sa.Column("value", Money(), nullable=False),
)

# Customers, mean recency and frequency, and total spend per RFM segment: built by the analytics step from
# mart_customer_rfm, so the Analytics page reads a handful of rows instead of grouping every buyer.
mart_rfm_summary = sa.Table(
    "mart_rfm_summary",
    metadata,
    sa.Column("segment", sa.String(30), primary_key=True),
    sa.Column("customers", sa.Integer, nullable=False),
    sa.Column("recency_days", sa.Float),
    sa.Column("frequency", sa.Float),
    sa.Column("monetary", Money()),
)
