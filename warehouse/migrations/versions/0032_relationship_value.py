"""relationship_value: what each customer holds that a relationship may rest on, so a batch redoes only changes

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 05:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.schema.types import LongText

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "relationship_value",
        sa.Column("customer_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("value", LongText, nullable=True),
        sa.PrimaryKeyConstraint("customer_key", "kind", "digest", name=op.f("pk_relationship_value")),
    )
    op.create_index(op.f("ix_relationship_value_digest"), "relationship_value", ["digest"], unique=False)
    # No watermark yet: the next batch builds the values and every relationship in full.


def downgrade() -> None:
    op.drop_index(op.f("ix_relationship_value_digest"), table_name="relationship_value")
    op.drop_table("relationship_value")
    op.execute("DELETE FROM ops_watermark WHERE name IN ('changes:relationships', 'relationships:erasures')")
