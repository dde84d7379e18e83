"""ops_step_run.peak_rss_mb: the batch process's peak memory during each step

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 02:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ops_step_run") as batch:
        batch.add_column(sa.Column("peak_rss_mb", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ops_step_run") as batch:
        batch.drop_column("peak_rss_mb")
