"""land_record read in order per source: the stage step seeks each chunk instead of sorting the source's rows

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-05 09:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("land_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_land_record_source_land_id"), ["source", "land_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("land_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_land_record_source_land_id"))
