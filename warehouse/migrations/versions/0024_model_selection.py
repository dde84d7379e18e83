"""model_registry.selection: how each version's algorithm was chosen, with every candidate's figure at every
rolling origin

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_registry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("selection", sa.UnicodeText().with_variant(mssql.NVARCHAR(), "mssql"), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("model_registry", schema=None) as batch_op:
        batch_op.drop_column("selection")
