"""Column types for personal data at rest: values encrypted on the way in, decrypted on the way out."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from warehouse.crypto import keyring_of
from warehouse.schema.types import LongText

logger = logging.getLogger(__name__)

HASH_LENGTH = 64  # hex digits of an HMAC-SHA256


class EncryptedText(sa.types.TypeDecorator[str]):
    """Text stored as a Fernet token under the engine's keyring; reads and writes through SQLAlchemy see plaintext.

    Tokens differ on every write, so SQL can neither compare, sort nor search these columns: exact lookups use
    the blind-index column beside them (:func:`blind_index`).
    """

    impl = LongText
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt(str(value))


def blind_index(kind: str, source: str) -> sa.Column[Any]:
    """A keyed-hash column of ``source``'s value, filled on insert, for exact lookups and grouping in SQL.

    An UPDATE that changes ``source`` sets the hash too (:func:`with_blind_indexes`).
    """

    def fill(context: Any) -> str | None:
        value = context.get_current_parameters().get(source)
        return keyring_of(context.dialect).blind_index(kind, value) if isinstance(value, str) else None

    column: sa.Column[Any] = sa.Column(f"{source}_hash", sa.String(HASH_LENGTH), default=fill)
    column.info["blind_index"] = (kind, source)
    return column


def with_blind_indexes(table: sa.Table, values: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """``values`` for an UPDATE of ``table`` plus the blind indexes of the encrypted values it changes."""
    out = dict(values)
    for column in table.columns:
        spec = column.info.get("blind_index")
        if spec and spec[1] in values:
            value = values[spec[1]]
            out[column.name] = (
                keyring_of(dialect).blind_index(spec[0], value) if isinstance(value, str) else None
            )
    return out


class LookupHash(sa.types.TypeDecorator[str]):
    """A bound value hashed with the executing engine's hash key, so pure query builders can compare blind indexes."""

    impl = sa.String(HASH_LENGTH)
    cache_ok = True

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return keyring_of(dialect).blind_index(self.kind, value) if isinstance(value, str) else None


def hash_matches(column: sa.ColumnElement[Any], kind: str, value: str) -> sa.ColumnElement[bool]:
    """``column`` (a blind index) equals the keyed hash of ``value`` (an exact, normalised match)."""
    return column == sa.bindparam(None, value, type_=LookupHash(kind))
