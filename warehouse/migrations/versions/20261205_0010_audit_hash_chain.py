"""audit hash chain

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:05:00.000000

Adds the client address and the hash chain to ``ops_audit_log`` and chains the rows already there, in
id order, so ``python -m warehouse.audit verify`` passes on an upgraded warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.audit import GENESIS, row_hash

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ops_audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    log = sa.table(
        'ops_audit_log',
        sa.column('id', sa.Integer),
        sa.column('at', sa.DateTime),
        sa.column('actor', sa.String),
        sa.column('action', sa.String),
        sa.column('object', sa.String),
        sa.column('detail', sa.UnicodeText),
        sa.column('address', sa.String),
        sa.column('prev_hash', sa.String),
        sa.column('row_hash', sa.String),
    )
    conn = op.get_bind()
    tail = GENESIS
    for row in conn.execute(sa.select(log).order_by(log.c.id)).mappings().all():
        digest = row_hash(tail, row)
        conn.execute(log.update().where(log.c.id == row['id']).values(prev_hash=tail, row_hash=digest))
        tail = digest
    with op.batch_alter_table('ops_audit_log', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_ops_audit_log_prev_hash'),
            ['prev_hash'],
            unique=True,
            mssql_where=sa.text('prev_hash IS NOT NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('ops_audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ops_audit_log_prev_hash'))
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('address')
