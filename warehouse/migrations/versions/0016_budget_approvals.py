"""budget reallocation requests and approvals

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-05 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql

revision: str = '0016'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('app_budget_request',
    sa.Column('request_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('requested_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('plan', sa.UnicodeText().with_variant(sa.NVARCHAR(), 'mssql'), nullable=False),
    sa.Column('amount_moved', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('threshold', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=True),
    sa.Column('note', sa.Unicode(length=500), nullable=True),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_app_budget_request'))
    )
    with op.batch_alter_table('app_budget_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_budget_request_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('app_budget_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_budget_request_status'))
    op.drop_table('app_budget_request')
