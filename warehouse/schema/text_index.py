"""The customer text index: SQLite FTS5 (trigram) over the customers mart's name and city, PostgreSQL ``pg_trgm``.

SQLite: ``customer_search`` is an external-content FTS5 table over ``mart_customer_kpi`` (rowid =
``customer_key``) with the trigram tokenizer, kept in step by insert, update and delete triggers, so every
writer of the mart (the marts step, erasure, a steward's override) updates it in the same transaction.
PostgreSQL: GIN ``gin_trgm_ops`` indexes on name and city serve ``ILIKE '%term%'``. SQL Server has neither
here: a search scans (a full-text index would need a catalog; not built). Created by migration 0023 and,
for schemas made from the metadata, on ``mart_customer_kpi``'s ``after_create``; queried by
:mod:`warehouse.search`.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import sqlalchemy as sa

from warehouse.schema.marts import mart_customer_kpi

logger = logging.getLogger(__name__)

#: The SQLite FTS5 table over the customers mart's name and city.
FTS_TABLE: Final = "customer_search"
#: The mart columns the index covers.
TEXT_FIELDS: Final = ("name", "city")

SQLITE_STATEMENTS: Final = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS customer_search USING fts5("
    "name, city, content='mart_customer_kpi', content_rowid='customer_key', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS customer_search_ai AFTER INSERT ON mart_customer_kpi BEGIN "
    "INSERT INTO customer_search (rowid, name, city) VALUES (new.customer_key, new.name, new.city); END",
    "CREATE TRIGGER IF NOT EXISTS customer_search_ad AFTER DELETE ON mart_customer_kpi BEGIN "
    "INSERT INTO customer_search (customer_search, rowid, name, city) "
    "VALUES ('delete', old.customer_key, old.name, old.city); END",
    "CREATE TRIGGER IF NOT EXISTS customer_search_au AFTER UPDATE OF customer_key, name, city "
    "ON mart_customer_kpi BEGIN INSERT INTO customer_search (customer_search, rowid, name, city) "
    "VALUES ('delete', old.customer_key, old.name, old.city); "
    "INSERT INTO customer_search (rowid, name, city) VALUES (new.customer_key, new.name, new.city); END",
    "INSERT INTO customer_search (customer_search) VALUES ('rebuild')",  # index the rows already there
)
SQLITE_DROP: Final = (
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
TRGM_INDEXES: Final = {"ix_mck_name_trgm": "name", "ix_mck_city_trgm": "city"}
POSTGRESQL_STATEMENTS: Final = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS {index} ON mart_customer_kpi USING gin ({column} gin_trgm_ops)"
        for index, column in TRGM_INDEXES.items()
    ),
)
POSTGRESQL_DROP: Final = tuple(f"DROP INDEX IF EXISTS {index}" for index in TRGM_INDEXES)


def create_text_index(conn: sa.Connection) -> None:
    """Create the customer text index this dialect has (idempotent); elsewhere nothing."""
    statements = {"sqlite": SQLITE_STATEMENTS, "postgresql": POSTGRESQL_STATEMENTS}.get(conn.dialect.name)
    if statements is None:
        logger.info("no customer text index on %s: searches scan the customers", conn.dialect.name)
        return
    for statement in statements:
        conn.exec_driver_sql(statement)


def drop_text_index(conn: sa.Connection) -> None:
    """Drop what :func:`create_text_index` made."""
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(conn.dialect.name, ()):
        conn.exec_driver_sql(statement)


def text_index_names() -> list[str]:
    """Indexes kept outside the metadata (for Alembic's comparison to leave alone)."""
    return list(TRGM_INDEXES)


def _after_create(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
    create_text_index(connection)


sa.event.listen(mart_customer_kpi, "after_create", _after_create)
