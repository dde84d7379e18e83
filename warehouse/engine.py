"""The warehouse object: owns the engine, transactions and the few dialect differences.

Every other module builds statements (pure functions); this module executes them. Library errors are
converted to :class:`WarehouseError` at this boundary, keeping the table and statement that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.schema import metadata

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000  # rows per executemany; keeps parameter lists within every dialect's limits


class WarehouseError(Exception):
    """A warehouse statement failed; carries the table and the SQL."""

    def __init__(self, message: str, table: str | None = None, sql: str | None = None) -> None:
        super().__init__(message if not table else f"{message} (table {table})")
        self.table = table
        self.sql = sql


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys on, and its folder created."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


class Warehouse:
    """The one object that runs SQL against the warehouse."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> Warehouse:
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed on success, rolled back on any error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as e:
            sql = getattr(e, "statement", None)
            raise WarehouseError(f"warehouse statement failed: {_first_line(e)}", sql=sql) from e

    def create_all(self) -> None:
        """Create every table that is missing (tests and the embedded demo; production uses Alembic)."""
        metadata.create_all(self.engine)

    def rows(self, statement: sa.Executable, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts."""
        with self.begin() as conn:
            return [dict(r._mapping) for r in conn.execute(statement, params or {})]

    def scalar(self, statement: sa.Executable, params: Mapping[str, Any] | None = None) -> Any:
        with self.begin() as conn:
            return conn.execute(statement, params or {}).scalar()


def insert_rows(conn: Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert ``rows`` in chunks; returns how many were inserted."""
    count = 0
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            count += _insert_chunk(conn, table, chunk)
            chunk = []
    if chunk:
        count += _insert_chunk(conn, table, chunk)
    return count


def _insert_chunk(conn: Connection, table: sa.Table, chunk: Sequence[Mapping[str, Any]]) -> int:
    columns = {c for row in chunk for c in row}  # a value left out of one row is NULL, not an error
    rows = [{c: row.get(c) for c in columns} for row in chunk]
    try:
        conn.execute(table.insert(), rows)
    except sa.exc.SQLAlchemyError as e:
        raise WarehouseError(
            f"insert failed: {_first_line(e)}", table=table.name, sql=str(table.insert())
        ) from e
    return len(chunk)


def _first_line(error: Exception) -> str:
    """The error without the parameter dump SQLAlchemy appends (it can be megabytes)."""
    cause = getattr(error, "orig", None) or error
    return f"{cause.__class__.__name__}: {str(cause).splitlines()[0][:500] if str(cause) else ''}"
