"""Query results as polars frames, for transforms that are easier in frames than in SQL."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.crypto import Keyring, keyring_of
from warehouse.schema.encrypted import EncryptedText
from warehouse.schema.types import LongText

# Python types of SQLAlchemy columns and the polars types an empty result gets, so it joins and
# concatenates like a full one. Checked in order: a datetime is also a date.
DTYPES: tuple[tuple[type, pl.DataType], ...] = (
    (bool, pl.Boolean()),
    (int, pl.Int64()),
    (float, pl.Float64()),
    (decimal.Decimal, pl.Float64()),
    (str, pl.String()),
    (dt.datetime, pl.Datetime("us")),
    (dt.date, pl.Date()),
    (bytes, pl.Binary()),
)


#: Rows turned into a frame at a time: the Python objects of one part are held, not the whole result's.
PART_ROWS = 50_000


def read_frame(conn: Connection, statement: sa.Select[Any]) -> pl.DataFrame:
    """Run ``statement`` and return its rows as a frame (with its columns, typed, even when empty).

    The rows arrive :data:`PART_ROWS` at a time, each part becoming a frame of its own; the parts are joined
    with each column cast to the type that holds all of its parts' values (a part of NULLs takes its
    neighbours' type, whole numbers beside fractions become floats), which is the type the whole result
    would have been given at once."""
    result = conn.execute(statement)
    columns = list(result.keys())
    parts = [
        pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
        for rows in _row_parts(result, statement, conn.dialect)
    ]
    if not parts:
        return empty_frame(statement)
    return parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical_relaxed")


def _row_parts(
    result: sa.CursorResult[Any], statement: sa.Select[Any], dialect: sa.Dialect
) -> Iterator[Sequence[Any]]:
    """The result's rows, :data:`PART_ROWS` at a time: straight from the driver's cursor when its values are
    what SQLAlchemy would hand on (``driver_values``), else as SQLAlchemy rows."""
    cursor = result.cursor
    if not driver_values(statement, cursor.description, dialect):
        yield from ([tuple(r) for r in rows] for rows in result.partitions(PART_ROWS))
        return
    while rows := cursor.fetchmany(PART_ROWS):
        # pyodbc (SQL Server) returns rows of its own type, sqlite3 and psycopg tuples
        yield rows if type(rows[0]) is tuple else [tuple(r) for r in rows]
    result.close()


def driver_values(statement: sa.Select[Any], description: Sequence[Any] | None, dialect: sa.Dialect) -> bool:
    """Whether no column of ``statement`` converts the values the driver returns (``description``: the DBAPI
    cursor's): whole numbers, floats and text on SQLite; not dates, booleans, decimals or encrypted text.

    Reading those rows from the driver, without SQLAlchemy's row objects, gives the same values in about half
    the time (a million sales lines)."""
    columns = statement.selected_columns
    if description is None or len(description) != len(columns):
        return False
    return all(
        column.type.dialect_impl(dialect).result_processor(dialect, described[1]) is None
        for column, described in zip(columns, description, strict=True)
    )


def empty_frame(statement: sa.Select[Any]) -> pl.DataFrame:
    """A frame with no rows and the columns of ``statement``, typed from their SQL types."""
    return pl.DataFrame(schema={c.name: dtype_of(c.type) for c in statement.selected_columns})


def dtype_of(sql_type: sa.types.TypeEngine[Any]) -> pl.DataType:
    """The polars type of a column of ``sql_type`` (Null when it has no Python type, e.g. a bare NULL)."""
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return pl.Null()
    return next((dtype for kind, dtype in DTYPES if issubclass(python_type, kind)), pl.Null())


def stored_form(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """``column`` as it is stored: an encrypted column's tokens, not decrypted one by one as rows arrive."""
    return sa.type_coerce(column, LongText).label(column.name) if is_encrypted(column) else column


def is_encrypted(column: sa.ColumnElement[Any]) -> bool:
    return isinstance(column.type, EncryptedText)


def decrypted(conn: Connection, frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """``frame`` with the stored tokens of columns ``names`` in plaintext, each distinct value decrypted once
    (equal values are equal tokens: ``warehouse.crypto``)."""
    keyring = keyring_of(conn.dialect)
    return frame.with_columns(_plain(frame[name], keyring) for name in names)


def _plain(stored: pl.Series, keyring: Keyring) -> pl.Series:
    plain = {v: keyring.decrypt(v) for v in stored.drop_nulls().unique().to_list()}
    return stored.cast(pl.String).replace_strict(plain, default=None, return_dtype=pl.String)
