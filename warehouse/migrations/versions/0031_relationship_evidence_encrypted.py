"""customer_relationship.evidence encrypted at rest: it names the phone, address, contact or referral shared

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 05:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.crypto import keyring_of
from warehouse.keys.rewrite import EncryptedTable, reencrypt_batch
from warehouse.schema.types import LongText

revision: str = "0031"
down_revision: str | None = "0030"
# The evidence is encrypted in place: a release before this one would show ciphertext, so stop the old colour
# before migrating (docs/operations.md, "Migrations follow expand/contract").
BLUE_GREEN_BREAKS = "relationship evidence is encrypted in place; the previous release cannot read it"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVIDENCE = EncryptedTable(
    "customer_relationship", ("customer_key_a", "customer_key_b", "kind"), ("evidence",)
)


def upgrade() -> None:
    with op.batch_alter_table("customer_relationship") as batch:
        batch.alter_column("evidence", existing_type=sa.Unicode(300), type_=LongText, existing_nullable=False)
    keyring = keyring_of(op.get_bind().dialect)
    while reencrypt_batch(op.get_bind(), EVIDENCE, keyring, 2000):
        pass


def downgrade() -> None:
    bind = op.get_bind()
    keyring = keyring_of(bind.dialect)
    t = EVIDENCE.clause
    key = EVIDENCE.key
    rows = bind.execute(sa.select(*t.c)).all()
    update = (
        t.update().where(*(t.c[k] == sa.bindparam(f"k_{k}") for k in key)).values(evidence=sa.bindparam("v"))
    )
    params = [
        {**{f"k_{k}": r._mapping[k] for k in key}, "v": keyring.decrypt(r.evidence)[:300]} for r in rows
    ]
    if params:
        bind.execute(update, params)
    with op.batch_alter_table("customer_relationship") as batch:
        batch.alter_column("evidence", existing_type=LongText, type_=sa.Unicode(300), existing_nullable=False)
