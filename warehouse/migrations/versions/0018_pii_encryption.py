"""personal data encrypted at rest: columns widened to text, e-mail and phone lookup hashes, rows encrypted

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-05 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.crypto import Keyring, keyring_of
from warehouse.keys.rewrite import EncryptedTable, reencrypt_batch
from warehouse.schema.events import drop_outbox_trigger_ddl, outbox_trigger_ddl
from warehouse.schema.types import LongText

revision: str = "0018"
down_revision: str | None = "0016"
# Personal data is re-encrypted in place: a release before this one reads ciphertext, so stop the old colour
# before migrating (docs/operations.md, "Migrations follow expand/contract").
BLUE_GREEN_BREAKS = "values are encrypted in place; the previous release cannot read them"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The encrypted columns at this revision, with their types before it.
WIDENED: dict[str, dict[str, sa.types.TypeEngine[str]]] = {
    "dim_customer": {
        "email": sa.String(200),
        "phone": sa.String(20),
        "street": sa.Unicode(200),
        "instagram_handle": sa.String(60),
    },
    "stg_customer": {
        "email": sa.String(200),
        "phone": sa.String(20),
        "street": sa.Unicode(200),
        "instagram_handle": sa.String(60),
        "mobile": sa.String(20),
        "ship_address": sa.Unicode(300),
    },
    "golden_field": {"value": sa.Unicode(300)},
    "stg_field_flag": {"raw_value": sa.Unicode(400)},
}
ENCRYPTED = [
    EncryptedTable("dim_customer", ("customer_key",), ("email", "phone", "street", "instagram_handle")),
    EncryptedTable(
        "stg_customer",
        ("source", "source_key"),
        ("email", "phone", "street", "instagram_handle", "mobile", "ship_address"),
    ),
    EncryptedTable("golden_field", ("customer_key", "field"), ("value",)),
    EncryptedTable("stg_field_flag", ("source", "entity", "record_key", "field"), ("raw_value",)),
    EncryptedTable("stg_deletion", ("source", "entity", "source_key", "land_id"), ("staged_rows",)),
    EncryptedTable("land_record", ("land_id",), ("payload",)),
    EncryptedTable("ops_deletion_hold_record", ("hold_id", "source_key"), ("payload",)),
]
HASHED = ("dim_customer", "stg_customer")
OUTBOX = {"dim_customer": "customer_key"}  # SQLite: batch mode copies the table, dropping its triggers


def upgrade() -> None:
    bind = op.get_bind()
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, old in columns.items():
                batch_op.alter_column(name, existing_type=old, type_=LongText)
            if table in HASHED:
                batch_op.add_column(sa.Column("email_hash", sa.String(length=64), nullable=True))
                batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
            if table == "dim_customer":
                batch_op.drop_index(batch_op.f("ix_dim_customer_email"))
                batch_op.create_index(batch_op.f("ix_dim_customer_email_hash"), ["email_hash"], unique=False)
                batch_op.create_index(batch_op.f("ix_dim_customer_phone_hash"), ["phone_hash"], unique=False)
    keyring = keyring_of(bind.dialect)
    for table in HASHED:
        _fill_hashes(bind, table, keyring)
    for spec in ENCRYPTED:
        while reencrypt_batch(bind, spec, keyring, 2000):
            pass
    _outbox_triggers(bind)


def _fill_hashes(bind: sa.Connection, name: str, keyring: Keyring) -> None:
    """The lookup hashes of the e-mails and phones (read before they are encrypted)."""
    key = ("customer_key",) if name == "dim_customer" else ("source", "source_key")
    t = sa.table(name, *(sa.column(c) for c in (*key, "email", "phone", "email_hash", "phone_hash")))
    rows = bind.execute(sa.select(*t.c).where(t.c.email.is_not(None) | t.c.phone.is_not(None))).all()
    if not rows:
        return
    update = (
        t.update()
        .where(*(t.c[k] == sa.bindparam(f"k_{k}") for k in key))
        .values(email_hash=sa.bindparam("e"), phone_hash=sa.bindparam("p"))
    )
    params = [
        {
            **{f"k_{k}": r._mapping[k] for k in key},
            "e": keyring.blind_index("email", keyring.decrypt(r.email) if r.email else None),
            "p": keyring.blind_index("phone", keyring.decrypt(r.phone) if r.phone else None),
        }
        for r in rows
    ]
    bind.execute(update, params)


def _outbox_triggers(bind: sa.Connection) -> None:
    if bind.dialect.name != "sqlite" or not sa.inspect(bind).has_table("evt_outbox"):
        return
    for table, pk in OUTBOX.items():
        columns = [c["name"] for c in sa.inspect(bind).get_columns(table)]
        for statement in [*drop_outbox_trigger_ddl(table), *outbox_trigger_ddl(table, pk, columns)]:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    keyring = keyring_of(bind.dialect)
    for spec in ENCRYPTED:
        t = spec.clause
        rows = bind.execute(sa.select(*t.c)).all()
        update = (
            t.update()
            .where(*(t.c[k] == sa.bindparam(f"k_{k}") for k in spec.key))
            .values({c: sa.bindparam(f"v_{c}") for c in spec.columns})
        )
        params = [
            {f"k_{k}": r._mapping[k] for k in spec.key}
            | {
                f"v_{c}": None if r._mapping[c] is None else keyring.decrypt(r._mapping[c])
                for c in spec.columns
            }
            for r in rows
        ]
        if params:
            bind.execute(update, params)
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "dim_customer":
                batch_op.drop_index(batch_op.f("ix_dim_customer_phone_hash"))
                batch_op.drop_index(batch_op.f("ix_dim_customer_email_hash"))
                batch_op.create_index(batch_op.f("ix_dim_customer_email"), ["email"], unique=False)
            if table in HASHED:
                batch_op.drop_column("phone_hash")
                batch_op.drop_column("email_hash")
            for name, old in columns.items():
                batch_op.alter_column(name, existing_type=LongText, type_=old)
    _outbox_triggers(bind)
