"""portal sort and review queue indexes, daily sales per dimension member

Revision ID: 0019
Revises: 0013
Create Date: 2026-12-05 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAIN_SORTS = ("name", "orders", "revenue_total", "revenue_365d", "is_active")
NULLABLE_SORTS = ("city", "region", "segment", "rep", "last_purchase", "recency_days")
EXPRESSION_DIALECTS = ("sqlite", "postgresql")
SALES_DIMENSIONS = ("region", "rep", "category", "segment")


def upgrade() -> None:
    op.create_table(
        "mart_sales_by_day",
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.Unicode(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "day", "label", name=op.f("pk_mart_sales_by_day")),
    )
    for dimension in SALES_DIMENSIONS:  # a warehouse built before this revision gets its summary now
        op.execute(
            "INSERT INTO mart_sales_by_day (dimension, day, label, revenue, orders) "
            f"SELECT '{dimension}', period_start, {dimension}, SUM(revenue), SUM(orders) FROM mart_sales "  # nosec B608
            f"WHERE grain = 'day' GROUP BY period_start, {dimension}"
        )
    for name in PLAIN_SORTS:
        op.create_index(f"ix_mck_{name}_asc", "mart_customer_kpi", [name, "customer_key"])
        op.create_index(f"ix_mck_{name}_desc", "mart_customer_kpi", [sa.text(f"{name} DESC"), "customer_key"])
    op.create_index(
        "ix_identity_review_queue_asc",
        "identity_review",
        ["status", "match_probability", "record_l", "record_r"],
    )
    op.create_index(
        "ix_identity_review_queue_desc",
        "identity_review",
        ["status", sa.text("match_probability DESC"), "record_l", "record_r"],
    )
    if op.get_bind().dialect.name in EXPRESSION_DIALECTS:  # SQL Server cannot index an expression
        for name in NULLABLE_SORTS:
            flag = f"(CASE WHEN {name} IS NULL THEN 1 ELSE 0 END)"
            for suffix, direction in (("asc", ""), ("desc", " DESC")):
                op.execute(
                    f"CREATE INDEX ix_mck_{name}_{suffix} ON mart_customer_kpi ({flag}, {name}{direction}, customer_key)"
                )
        op.execute(  # the Actions page's prospects: highest lead score first, unscored last
            "CREATE INDEX ix_mcs_lead_score_desc ON mart_customer_score "
            "((CASE WHEN lead_score IS NULL THEN 1 ELSE 0 END), lead_score DESC, customer_key)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name in EXPRESSION_DIALECTS:
        op.drop_index("ix_mcs_lead_score_desc", table_name="mart_customer_score")
        for name in NULLABLE_SORTS:
            for suffix in ("asc", "desc"):
                op.drop_index(f"ix_mck_{name}_{suffix}", table_name="mart_customer_kpi")
    op.drop_index("ix_identity_review_queue_desc", table_name="identity_review")
    op.drop_index("ix_identity_review_queue_asc", table_name="identity_review")
    for name in PLAIN_SORTS:
        op.drop_index(f"ix_mck_{name}_desc", table_name="mart_customer_kpi")
        op.drop_index(f"ix_mck_{name}_asc", table_name="mart_customer_kpi")
    op.drop_table("mart_sales_by_day")
