"""customer text index (SQLite FTS5 trigram, PostgreSQL pg_trgm), summaries for the Actions and Analytics pages,
the profile's merge-history index

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-05 06:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.schema.text_index import create_text_index, drop_text_index

revision: str = "0023"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_text_index(op.get_bind())  # indexes the customers already in the mart
    op.create_table(
        "mart_action_summary",
        sa.Column("rep_key", sa.Integer(), nullable=False),
        sa.Column("region", sa.Unicode(length=100), nullable=False),
        sa.Column("rfm_segment", sa.String(length=30), nullable=False),
        sa.Column("m_score", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
        sa.PrimaryKeyConstraint(
            "rep_key", "region", "rfm_segment", "m_score", "action", name=op.f("pk_mart_action_summary")
        ),
    )
    op.create_table(
        "mart_rfm_summary",
        sa.Column("segment", sa.String(length=30), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("recency_days", sa.Float(), nullable=True),
        sa.Column("frequency", sa.Float(), nullable=True),
        sa.Column("monetary", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
        sa.PrimaryKeyConstraint("segment", name=op.f("pk_mart_rfm_summary")),
    )
    with op.batch_alter_table("identity_event", schema=None) as batch_op:  # a profile's merge history
        batch_op.create_index(batch_op.f("ix_identity_event_other_key"), ["other_key"], unique=False)
    from warehouse.summaries import rebuild_action_summary, rebuild_rfm_summary  # the schema as of now

    rebuild_action_summary(op.get_bind())  # a warehouse built before this revision gets its summaries now
    rebuild_rfm_summary(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("identity_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_event_other_key"))
    op.drop_table("mart_rfm_summary")
    op.drop_table("mart_action_summary")
    drop_text_index(op.get_bind())
