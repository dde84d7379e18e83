"""Alembic environment: migrates the warehouse described by ``warehouse.schema.metadata``.

The URL is, in order: a connection handed in by a caller (``config.attributes["connection"]``),
``sqlalchemy.url`` set on the config, then the platform settings.
"""

from __future__ import annotations

from alembic import context

from settings import get_settings
from warehouse.engine import make_engine
from warehouse.schema import metadata
from warehouse.schema.portal_indexes import expression_index_names
from warehouse.schema.text_index import FTS_TABLE, text_index_names

config = context.config

# Tables other tools keep in the warehouse, which the schema does not describe.
FOREIGN_TABLES = {"ops_scheduler_job"}
# Expression indexes kept outside the metadata (SQL Server has none): warehouse.schema.portal_indexes.
EXPRESSION_INDEXES = set(expression_index_names())
TEXT_INDEXES = set(text_index_names())


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if type_ == "index" and name in EXPRESSION_INDEXES:  # made by migration 0019 where the dialect can
        return False
    if type_ == "index" and name in TEXT_INDEXES:  # made by migration 0023 on PostgreSQL
        return False
    if type_ == "table" and name and name.startswith(FTS_TABLE):  # SQLite's FTS5 table and its shadow tables
        return False
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().warehouse_url
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().warehouse_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
