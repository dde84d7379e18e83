"""Keys of personal data at rest: rotation, retirement and which key each stored value is under."""

from __future__ import annotations

from warehouse.keys.rotate import (
    KeyOperationError,
    RotationReport,
    add_key,
    check_retirable,
    reencrypt,
    remove_key,
    usage,
)
from warehouse.keys.tables import encrypted_tables

__all__ = [
    "KeyOperationError",
    "RotationReport",
    "add_key",
    "check_retirable",
    "encrypted_tables",
    "reencrypt",
    "remove_key",
    "usage",
]
