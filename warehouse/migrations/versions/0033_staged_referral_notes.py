"""stg_customer.referral_notes: the landed version's referral fields and notes, kept at stage

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 06:30:00.000000

Filled here for the records already staged, from the landed version each came from, as the stage step fills
it for the records it stages from now on; the relationships read it instead of every landed payload.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pipeline.identity.relationships import referral_notes
from warehouse.crypto import keyring_of
from warehouse.schema.types import LongText

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = 5_000  # staged records filled per statement


def upgrade() -> None:
    with op.batch_alter_table("stg_customer") as batch:
        batch.add_column(sa.Column("referral_notes", LongText, nullable=True))
    bind = op.get_bind()
    keyring = keyring_of(bind.dialect)
    stg = sa.table("stg_customer", *(sa.column(c) for c in ("source", "source_key", "land_id", "referral_notes")))
    landed = sa.table("land_record", sa.column("land_id"), sa.column("payload"))
    query = sa.select(stg.c.source, stg.c.source_key, landed.c.payload).join(
        landed, landed.c.land_id == stg.c.land_id
    )
    update = (
        stg.update()
        .where(stg.c.source == sa.bindparam("s"), stg.c.source_key == sa.bindparam("k"))
        .values(referral_notes=sa.bindparam("n"))
    )
    filled = []
    for source, key, payload in bind.execute(query):  # streamed; only the few records with notes are kept
        text = keyring.decrypt(payload)
        if "referr" not in text.lower():
            continue
        try:
            notes = referral_notes(json.loads(text))
        except ValueError:
            continue
        if notes:
            filled.append({"s": source, "k": key, "n": keyring.encrypt(json.dumps(notes, ensure_ascii=False))})
    for start in range(0, len(filled), ROWS):
        bind.execute(update, filled[start : start + ROWS])


def downgrade() -> None:
    with op.batch_alter_table("stg_customer") as batch:
        batch.drop_column("referral_notes")
