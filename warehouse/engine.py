"""The warehouse object: owns the engine, transactions and the few dialect differences.

Every other module builds statements (pure functions); this module executes them. Library errors are
converted to :class:`WarehouseError` at this boundary, keeping the table and statement that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.schema import metadata
from warehouse.schema.encrypted import EncryptedText

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
    # A server connection can drop while pooled, so each checkout is pinged first; a SQLite file cannot, and
    # the ping was a statement on each of the dozen checkouts a portal page makes.
    engine = sa.create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    elif engine.dialect.driver == "psycopg":

        @sa.event.listens_for(engine, "connect")
        def _plan_each_time(dbapi_conn: Any, _record: Any) -> None:
            # psycopg prepares a statement run five times, and PostgreSQL may then keep one generic plan for it.
            # A batch's transaction fills tables from empty: a plan made then (a sequential scan of a few rows)
            # was kept while the table grew, so each lookup read the whole table (the batch events of 20,000
            # customers ran for over ten minutes). Planned at each execution, the lookups use the indexes.
            dbapi_conn.prepare_threshold = None

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
    if _can_copy(conn, table, columns):
        return _copy_chunk(conn, table, sorted(columns), chunk)
    insert = _bulk_insert(conn, table, sorted(columns)) if _plain(table, columns) else None
    if insert is not None:
        return _executemany_chunk(conn, table, insert, chunk)
    rows = [{c: row.get(c) for c in columns} for row in chunk]
    try:
        conn.execute(table.insert(), rows)
    except sa.exc.SQLAlchemyError as e:
        raise WarehouseError(
            f"insert failed: {_first_line(e)}", table=table.name, sql=str(table.insert())
        ) from e
    return len(chunk)


def _can_copy(conn: Connection, table: sa.Table, columns: set[str]) -> bool:
    """PostgreSQL through psycopg takes a chunk by ``COPY`` when every column left out has no Python-side default."""
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return False
    return _plain(table, columns)


def _plain(table: sa.Table, columns: set[str]) -> bool:
    """The rows name only columns of ``table``, and every column they leave out has no default computed in Python."""
    missing = [c for c in table.columns if c.name not in columns]
    return columns <= set(table.columns.keys()) and all(
        c.default is None or c.default.is_scalar for c in missing
    )


@dataclass(frozen=True)
class _BulkInsert:
    """A compiled INSERT for DB-API ``executemany``: its SQL, and how a row's values become its parameters."""

    sql: str
    names: list[str]  # the columns rows name
    fixed: list[Any]  # scalar defaults of the columns no row names, in the order of ``columns``
    columns: list[sa.Column[Any]]  # ``names`` then the defaulted columns
    order: list[str]  # the statement's parameters, by column key
    positional: bool


def _bulk_insert(conn: Connection, table: sa.Table, names: list[str]) -> _BulkInsert | None:
    """The INSERT of rows naming ``names``; ``None`` when the compiler renamed a parameter (the ordinary path)."""
    filled = [  # columns no row names get their scalar default, as INSERT would give them
        c for c in table.columns if c.name not in names and c.default is not None and c.default.is_scalar
    ]
    columns = [table.columns[n] for n in names] + filled
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=[c.key for c in columns])
    order = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    if sorted(order) != sorted(c.key for c in columns):
        return None
    fixed = [c.default.arg for c in filled]  # type: ignore[union-attr]
    return _BulkInsert(str(compiled), names, fixed, columns, order, compiled.positional)


def _remembered(column: sa.Column[Any], dialect: sa.Dialect, memo: dict[Any, Any]) -> Any:
    """The column's bind processor; for an encrypted column, one that encrypts each distinct value once
    (encryption is deterministic: ``warehouse.crypto``), remembering tokens in ``memo``."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None or not isinstance(column.type, EncryptedText):
        return process

    def remembered(value: Any) -> Any:
        if not isinstance(value, str):  # True == 1, yet "True" and "1" are different plaintexts
            return process(value)
        token = memo.get(value)
        if token is None:
            token = memo[value] = process(value)
        return token

    return remembered


def _executemany_chunk(
    conn: Connection, table: sa.Table, insert: _BulkInsert, chunk: Sequence[Mapping[str, Any]]
) -> int:
    """One DB-API ``executemany``, each value through its column's bind processor: what SQLAlchemy's own
    executemany stores, without the bookkeeping it does for every row."""
    dialect = conn.dialect
    memo: dict[Any, Any] = {}  # an encrypted value met again in the chunk: its token, encrypted once
    procs = [_remembered(c, dialect, memo) for c in insert.columns]
    at = {c.key: i for i, c in enumerate(insert.columns)}
    positions = [at[key] for key in insert.order]
    params: list[Any] = []
    for row in chunk:
        values = [row.get(n) for n in insert.names] + insert.fixed
        values = [v if p is None or v is None else p(v) for v, p in zip(values, procs, strict=True)]
        ordered = [values[i] for i in positions]
        params.append(tuple(ordered) if insert.positional else dict(zip(insert.order, ordered, strict=True)))
    try:
        conn.exec_driver_sql(insert.sql, params)
    except sa.exc.SQLAlchemyError as e:
        raise WarehouseError(f"insert failed: {_first_line(e)}", table=table.name, sql=insert.sql) from e
    return len(chunk)


def _copy_chunk(
    conn: Connection, table: sa.Table, names: list[str], chunk: Sequence[Mapping[str, Any]]
) -> int:
    """One ``COPY ... FROM STDIN`` for the chunk: the same rows an ``INSERT`` would give, several times faster."""
    from psycopg import Error as DriverError
    from psycopg import sql

    dialect = conn.dialect
    filled = [  # columns no row names get their scalar default, as INSERT would give them
        c for c in table.columns if c.name not in names and c.default is not None and c.default.is_scalar
    ]
    cols = [table.columns[n] for n in names] + filled
    fixed = [c.default.arg for c in filled]  # type: ignore[union-attr]
    memo: dict[Any, Any] = {}
    procs = [_remembered(c, dialect, memo) for c in cols[: len(names)]]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*([table.schema] if table.schema else []), table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in cols),
    )
    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in chunk:
                values = [row.get(n) for n in names]
                copy.write_row(
                    [v if p is None or v is None else p(v) for v, p in zip(values, procs, strict=True)]
                    + fixed
                )
    except DriverError as e:
        raise WarehouseError(
            f"copy failed: {_first_line(e)}", table=table.name, sql=statement.as_string(raw)
        ) from e
    return len(chunk)


def _first_line(error: Exception) -> str:
    """The error without the parameter dump SQLAlchemy appends (it can be megabytes)."""
    cause = getattr(error, "orig", None) or error
    return f"{cause.__class__.__name__}: {str(cause).splitlines()[0][:500] if str(cause) else ''}"
