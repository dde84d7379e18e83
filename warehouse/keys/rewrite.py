"""Re-encrypting stored values in place, a batch per short transaction, so readers never wait long.

The statements use light table clauses (no :class:`EncryptedText`), so they see and write the stored tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.crypto import PREFIX, Keyring, token_key_id

logger = logging.getLogger(__name__)

BATCH_ROWS = 500


@dataclass(frozen=True)
class EncryptedTable:
    """A table's primary key and its encrypted columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]

    @cached_property
    def clause(self) -> sa.TableClause:
        """The table as stored (no decrypting column types)."""
        return sa.table(self.name, *(sa.column(c) for c in (*self.key, *self.columns)))


def stale(table: EncryptedTable, current: str) -> sa.ColumnElement[bool]:
    """Rows holding a value not under key ``current`` (plaintext or an older key)."""
    t = table.clause
    return sa.or_(
        *(sa.and_(t.c[c].is_not(None), ~t.c[c].like(f"{PREFIX}{current}:%")) for c in table.columns)
    )


def under_key(table: EncryptedTable, kid: str) -> sa.ColumnElement[bool]:
    """Rows holding a value under key ``kid``."""
    t = table.clause
    return sa.or_(*(t.c[c].like(f"{PREFIX}{kid}:%") for c in table.columns))


def reencrypt_batch(conn: Connection, table: EncryptedTable, keyring: Keyring, rows: int = BATCH_ROWS) -> int:
    """Up to ``rows`` rows of ``table`` moved to the newest key; returns how many were read for it.

    Each row is written only if it still holds the values read (compare and swap on the stored tokens, which
    are unique), so a row a batch rewrote meanwhile is never put back to its old content.
    """
    t = table.clause
    query = sa.select(*t.c).where(stale(table, keyring.current)).limit(rows)
    found = conn.execute(query).all()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in found:
        values = row._mapping
        present = tuple(c for c in table.columns if values[c] is not None)
        param = {f"k_{k}": values[k] for k in table.key}
        param |= {f"o_{c}": values[c] for c in present}
        param |= {f"v_{c}": keyring.rotate(str(values[c])) for c in present}
        groups.setdefault(present, []).append(param)
    for present, params in groups.items():
        update = (
            t.update()
            .where(*(t.c[k] == sa.bindparam(f"k_{k}") for k in table.key))
            .where(*(t.c[c] == sa.bindparam(f"o_{c}") for c in present))
            .where(*(t.c[c].is_(None) for c in table.columns if c not in present))
            .values({c: sa.bindparam(f"v_{c}") for c in present})
        )
        conn.execute(update, params)
    return len(found)


def reencrypt_table(
    begin: Callable[[], AbstractContextManager[Connection]],
    table: EncryptedTable,
    keyring: Keyring,
    rows: int = BATCH_ROWS,
) -> int:
    """Every row of ``table`` moved to the newest key, one transaction per batch; returns the rows rewritten."""
    total = 0
    while True:
        with begin() as conn:
            done = reencrypt_batch(conn, table, keyring, rows)
        if not done:
            return total
        total += done
        logger.debug("%s: %d rows re-encrypted so far", table.name, total)


def count_under(conn: Connection, table: EncryptedTable, kid: str) -> int:
    """Rows of ``table`` that still hold a value under key ``kid``."""
    t = table.clause
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(t).where(under_key(table, kid))).scalar_one()
    )


def key_usage(conn: Connection, table: EncryptedTable) -> dict[str, int]:
    """Values of ``table`` per key id (``plaintext`` for values not encrypted yet)."""
    t = table.clause
    counts: dict[str, int] = {}
    for column in table.columns:
        for (value,) in conn.execute(sa.select(t.c[column]).where(t.c[column].is_not(None))):
            kid = token_key_id(str(value)) or "plaintext"
            counts[kid] = counts.get(kid, 0) + 1
    return counts
