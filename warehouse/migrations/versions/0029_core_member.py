"""core_member: the cross-reference as the core step last built from it

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "core_member",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("customer_key", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "source_key", name=op.f("pk_core_member")),
    )
    op.create_index(op.f("ix_core_member_customer_key"), "core_member", ["customer_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_core_member_customer_key"), table_name="core_member")
    op.drop_table("core_member")
