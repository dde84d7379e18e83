"""customer text index: SQLite FTS5 (trigram) over the customers mart, PostgreSQL pg_trgm

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-05 06:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from warehouse.schema.text_index import create_text_index, drop_text_index

revision: str = "0023"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_text_index(op.get_bind())  # indexes the customers already in the mart


def downgrade() -> None:
    drop_text_index(op.get_bind())
