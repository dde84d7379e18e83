"""privacy consent, requests and suppression

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('privacy_consent',
    sa.Column('consent_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_key', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('lawful_basis', sa.String(length=30), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('consent_id', name=op.f('pk_privacy_consent'))
    )
    op.create_index(op.f('ix_privacy_consent_customer_key_purpose'), 'privacy_consent', ['customer_key', 'purpose'], unique=False)
    op.create_index(op.f('ix_privacy_consent_purpose'), 'privacy_consent', ['purpose'], unique=False)
    op.create_table('privacy_request',
    sa.Column('request_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('customer_key', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=False),
    sa.Column('completed_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=True),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.UnicodeText().with_variant(mssql.NVARCHAR(), 'mssql'), nullable=True),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_privacy_request'))
    )
    op.create_index(op.f('ix_privacy_request_customer_key'), 'privacy_request', ['customer_key'], unique=False)
    op.create_index(op.f('ix_privacy_request_kind_status'), 'privacy_request', ['kind', 'status'], unique=False)
    op.create_table('privacy_suppression',
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('customer_key', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('erased_at', sa.DateTime().with_variant(mssql.DATETIME2(), 'mssql'), nullable=False),
    sa.PrimaryKeyConstraint('source', 'entity', 'source_key', name=op.f('pk_privacy_suppression'))
    )
    op.create_index(op.f('ix_privacy_suppression_customer_key'), 'privacy_suppression', ['customer_key'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_privacy_suppression_customer_key'), table_name='privacy_suppression')
    op.drop_table('privacy_suppression')
    op.drop_index(op.f('ix_privacy_request_kind_status'), table_name='privacy_request')
    op.drop_index(op.f('ix_privacy_request_customer_key'), table_name='privacy_request')
    op.drop_table('privacy_request')
    op.drop_index(op.f('ix_privacy_consent_purpose'), table_name='privacy_consent')
    op.drop_index(op.f('ix_privacy_consent_customer_key_purpose'), table_name='privacy_consent')
    op.drop_table('privacy_consent')
