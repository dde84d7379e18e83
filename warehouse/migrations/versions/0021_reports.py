"""month-grain sales detail per customer and product for drill-down and reports

Revision ID: 0021
Revises: 0013
Create Date: 2026-12-05 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mart_sales_detail",
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("customer_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.Unicode(length=100), nullable=False),
        sa.Column("product", sa.Unicode(length=200), nullable=False),
        sa.Column("customer", sa.Unicode(length=200), nullable=False),
        sa.Column("rep", sa.Unicode(length=100), nullable=False),
        sa.Column("region", sa.Unicode(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month_start", "customer_key", "category", "product", name=op.f("pk_mart_sales_detail")
        ),
    )
    with op.batch_alter_table("mart_sales_detail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mart_sales_detail_region_rep_month_start"),
            ["region", "rep", "month_start"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_mart_sales_detail_category_month_start"), ["category", "month_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mart_sales_detail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mart_sales_detail_category_month_start"))
        batch_op.drop_index(batch_op.f("ix_mart_sales_detail_region_rep_month_start"))
    op.drop_table("mart_sales_detail")
