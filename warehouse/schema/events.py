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
    """SQLite triggers recording each insert, update and delete of ``table`` in ``evt_outbox``, in the same transaction.

    The outbox keeps at most one row per key that is not yet relayed: the net change from what consumers last saw
    (``before``) to the row now (``after``). A batch that deletes and re-inserts its rows thus records only the rows
    that changed, and a row deleted and put back as it was becomes ``n`` (nothing to publish).
    """

    def row(alias: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {alias}.\"{c}\"" for c in columns) + ")"

    # A change made by a batch is stamped with the batch's start (its clock), so a rerun records the same rows.
    now = (
        "COALESCE((SELECT started_at FROM ops_batch_run WHERE status = 'running' ORDER BY batch_id DESC LIMIT 1),"
        " strftime('%Y-%m-%d %H:%M:%f', 'now'))"
    )

    def op(before: str, after: str) -> str:
        return (
            f"CASE WHEN {before} IS NULL AND {after} IS NULL THEN 'n' WHEN {before} IS NULL THEN 'c'"
            f" WHEN {after} IS NULL THEN 'd' WHEN {before} = {after} THEN 'n' ELSE 'u' END"
        )

    def change(key: str, base: str, state: str, guard: str = "1") -> str:
        pending = f"table_name = '{table}' AND pk = CAST({key} AS TEXT) AND relayed_at IS NULL"
        return (
            f"  UPDATE evt_outbox SET after = {state}, op = {op('before', state)}, created_at = {now}\n"  # nosec B608
            f"    WHERE {pending} AND {guard};\n"
            f"  INSERT INTO evt_outbox (table_name, op, pk, before, after, created_at)\n"
            f"    SELECT '{table}', {op(base, state)}, CAST({key} AS TEXT), {base}, {state}, {now}\n"
            f"    WHERE {guard} AND {op(base, state)} <> 'n' AND NOT EXISTS (SELECT 1 FROM evt_outbox WHERE {pending});\n"
        )

    same_key = f'OLD."{pk}" IS NEW."{pk}"'
    head = 'CREATE TRIGGER IF NOT EXISTS "evt_outbox_{table}_{op}" AFTER {event} ON "{table}" BEGIN\n'
    return [
        head.format(table=table, op="c", event="INSERT") + change(f'NEW."{pk}"', "NULL", row("NEW")) + "END",
        head.format(table=table, op="u", event="UPDATE")
        + change(f'NEW."{pk}"', row("OLD"), row("NEW"), same_key)
        + change(f'OLD."{pk}"', row("OLD"), "NULL", f"NOT ({same_key})")  # a changed key: the old one is gone
        + change(f'NEW."{pk}"', "NULL", row("NEW"), f"NOT ({same_key})")
        + "END",
        head.format(table=table, op="d", event="DELETE") + change(f'OLD."{pk}"', row("OLD"), "NULL") + "END",
    ]


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
