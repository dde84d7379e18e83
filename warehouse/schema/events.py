"""Events: the append-only interaction log, its projections, and the outbox of warehouse changes (CDC on SQLite).

``evt_log`` holds one row per accepted event (``docs/realtime.md``); ``seq`` is the tail position every reader
keeps. ``proj_*`` are rebuilt from the log (``pipeline.events.projections``). ``evt_outbox`` gets a row in the same
transaction as each change of the watched tables; on SQLite triggers write it (created here for ``create_all`` and
by migration 0008), on PostgreSQL Debezium reads the write-ahead log and on SQL Server its own CDC does.
"""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import KEY, BigId, LongText, Money, Timestamp, metadata

evt_log = sa.Table(
    "evt_log",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),  # the tail position
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("customer_key", sa.Integer),
    sa.Column("source_key", KEY),
    sa.Column("channel", sa.String(40)),
    sa.Column("occurred_at", Timestamp, nullable=False),  # UTC, event time
    sa.Column("recorded_at", Timestamp, nullable=False),  # UTC, when the log accepted it
    sa.Column("producer", sa.String(20), nullable=False),  # generator, batch, cdc, api
    sa.Column("body", LongText, nullable=False),  # the event as JSON text
    sa.Index(None, "customer_key"),
)

evt_outbox = sa.Table(
    "evt_outbox",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(60), nullable=False),
    sa.Column("op", sa.String(1), nullable=False),  # c, u, d
    sa.Column("pk", KEY, nullable=False),  # the changed row's primary key as text
    sa.Column("before", LongText),  # the row as JSON before the change (u, d)
    sa.Column("after", LongText),  # the row as JSON after the change (c, u)
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("relayed_at", Timestamp),  # set once the relay has published it
    sa.Index(None, "relayed_at", "seq"),
    sa.Index(None, "table_name", "pk"),
)

evt_profile_state = sa.Table(
    "evt_profile_state",  # a digest per profile field of each golden customer, to tell which fields a batch changed
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("digest", LongText, nullable=False),  # JSON {field: short hash of the value}
    sa.Column("batch_id", sa.Integer, nullable=False),
)

proj_customer_activity = sa.Table(
    "proj_customer_activity",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Column("revenue", Money(), nullable=False),  # home currency
    sa.Column("payments", sa.Integer, nullable=False),
    sa.Column("paid", Money(), nullable=False),  # sum of payments and paid invoices, home currency
    sa.Column("visits", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("mentions", sa.Integer, nullable=False),
    sa.Column("support_contacts", sa.Integer, nullable=False),
    sa.Column("leads", sa.Integer, nullable=False),
    sa.Column("last_event_at", Timestamp, nullable=False),
    sa.Column("last_event_type", sa.String(40), nullable=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
)

proj_customer_timeline = sa.Table(
    "proj_customer_timeline",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(40)),
    sa.Column("summary", sa.Unicode(300), nullable=False),
    sa.Index(None, "customer_key", "occurred_at"),
)

#: Tables whose changes reach ``evt_outbox`` on SQLite, with their primary-key column.
OUTBOX_TABLES = {
    "dim_customer": "customer_key",
    "dim_campaign": "campaign_key",
    "mart_customer_score": "customer_key",
}


def outbox_trigger_ddl(table: str, pk: str, columns: list[str]) -> list[str]:
    """SQLite triggers writing each insert, update and delete of ``table`` to ``evt_outbox`` in the same transaction.

    A rebuild deletes and re-inserts rows: an insert that finds a not yet relayed delete of the same key turns it
    into one update (or drops it when the row came back unchanged), so a rebuild publishes only what changed.
    """

    def row(alias: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {alias}.\"{c}\"" for c in columns) + ")"

    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    pending = (
        f"table_name = '{table}' AND pk = CAST(NEW.\"{pk}\" AS TEXT) AND op = 'd' AND relayed_at IS NULL"
    )
    insert = (
        f'CREATE TRIGGER IF NOT EXISTS "evt_outbox_{table}_c" AFTER INSERT ON "{table}" BEGIN\n'
        f"  INSERT INTO evt_outbox (table_name, op, pk, before, after, created_at)\n"
        f"    SELECT '{table}', 'c', CAST(NEW.\"{pk}\" AS TEXT), NULL, {row('NEW')}, {now}\n"
        f"    WHERE NOT EXISTS (SELECT 1 FROM evt_outbox WHERE {pending});\n"
        f"  DELETE FROM evt_outbox WHERE {pending} AND before = {row('NEW')};\n"
        f"  UPDATE evt_outbox SET op = 'u', after = {row('NEW')}, created_at = {now} WHERE {pending};\n"
        f"END"
    )
    update = (
        f'CREATE TRIGGER IF NOT EXISTS "evt_outbox_{table}_u" AFTER UPDATE ON "{table}" BEGIN\n'
        f"  INSERT INTO evt_outbox (table_name, op, pk, before, after, created_at)\n"
        f"    VALUES ('{table}', 'u', CAST(NEW.\"{pk}\" AS TEXT), {row('OLD')}, {row('NEW')}, {now});\n"
        f"END"
    )
    delete = (
        f'CREATE TRIGGER IF NOT EXISTS "evt_outbox_{table}_d" AFTER DELETE ON "{table}" BEGIN\n'
        f"  INSERT INTO evt_outbox (table_name, op, pk, before, after, created_at)\n"
        f"    VALUES ('{table}', 'd', CAST(OLD.\"{pk}\" AS TEXT), {row('OLD')}, NULL, {now});\n"
        f"END"
    )
    return [insert, update, delete]


def drop_outbox_trigger_ddl(table: str) -> list[str]:
    """Statements dropping the outbox triggers of ``table``."""
    return [f'DROP TRIGGER IF EXISTS "evt_outbox_{table}_{op}"' for op in ("c", "u", "d")]


def _create_outbox_triggers(target: sa.MetaData, connection: sa.Connection, **_: object) -> None:
    """After ``metadata.create_all`` on SQLite: the outbox triggers, from the tables as defined now."""
    if connection.dialect.name != "sqlite":
        return
    inspector = sa.inspect(connection)
    if not inspector.has_table("evt_outbox"):
        return
    for name, pk in OUTBOX_TABLES.items():
        table = target.tables.get(name)
        if table is None or not inspector.has_table(name):
            continue
        for statement in outbox_trigger_ddl(name, pk, [c.name for c in table.columns]):
            connection.exec_driver_sql(statement)


sa.event.listen(metadata, "after_create", _create_outbox_triggers)
