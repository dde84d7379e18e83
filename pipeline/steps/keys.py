"""Warehouse keys: stable surrogate keys for dimension values, and the date key of a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.engine import insert_rows


def stable_keys(
    conn: Connection,
    table: sa.Table,
    key: str,
    natural: Sequence[str],
    wanted: Iterable[dict[str, Any]],
    insert_new: bool = True,
) -> dict[tuple[Any, ...], int]:
    """Keys for natural values: existing ones kept, new ones numbered on from the highest (and inserted)."""
    existing = {tuple(r[c] for c in natural): r[key] for r in conn.execute(sa.select(table)).mappings()}
    next_key = max(existing.values(), default=0) + 1
    new_rows = []
    for row in sorted(wanted, key=lambda r: tuple(str(r[c]) for c in natural)):
        natural_key = tuple(row[c] for c in natural)
        if natural_key not in existing:
            existing[natural_key] = next_key
            new_rows.append({key: next_key, **{c: row[c] for c in natural}})
            next_key += 1
    if insert_new:
        insert_rows(conn, table, new_rows)
    return existing


def date_key(day: dt.date) -> int:
    """`YYYYMMDD` as an integer, the key of `dim_date`."""
    return day.year * 10000 + day.month * 100 + day.day
