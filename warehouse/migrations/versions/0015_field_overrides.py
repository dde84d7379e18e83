"""stewards' overrides of golden values

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('golden_override',
    sa.Column('customer_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Unicode(length=300), nullable=False),
    sa.Column('reason', sa.Unicode(length=300), nullable=False),
    sa.Column('set_by', sa.String(length=80), nullable=False),
    sa.Column('set_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=False),
    sa.PrimaryKeyConstraint('customer_key', 'field', name=op.f('pk_golden_override'))
    )


def downgrade() -> None:
    op.drop_table('golden_override')
