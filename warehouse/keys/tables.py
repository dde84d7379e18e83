"""Which tables hold encrypted columns, read from the schema (so a new encrypted column is rotated too)."""

from __future__ import annotations

import logging

from warehouse.keys.rewrite import EncryptedTable
from warehouse.schema import metadata
from warehouse.schema.encrypted import EncryptedText

logger = logging.getLogger(__name__)


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with an encrypted column, with its primary key, in dependency order."""
    out = []
    for table in metadata.sorted_tables:
        columns = tuple(c.name for c in table.columns if isinstance(c.type, EncryptedText))
        if columns:
            out.append(EncryptedTable(table.name, tuple(c.name for c in table.primary_key.columns), columns))
    return out
