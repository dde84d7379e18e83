"""Stewards' overrides of golden values: a field of a golden customer set by hand, kept across batches."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import Name, Timestamp, metadata

golden_override = sa.Table(
    "golden_override",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),  # stable golden key
    sa.Column("field", sa.String(40), primary_key=True),  # a golden_field name (company_name, street ...)
    sa.Column("value", Name(300), nullable=False),
    sa.Column("reason", sa.Unicode(300), nullable=False),
    sa.Column("set_by", sa.String(80), nullable=False),
    sa.Column("set_at", Timestamp, nullable=False),
)
