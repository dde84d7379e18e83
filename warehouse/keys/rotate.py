"""Key rotation: a new key first, every encrypted value moved to it while the portal reads, then the old key retired."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.crypto import Keyring, key_id, new_key, split_keys, write_keys_file
from warehouse.engine import Warehouse
from warehouse.keys.rewrite import BATCH_ROWS, count_under, key_usage, reencrypt_table
from warehouse.keys.tables import encrypted_tables

logger = logging.getLogger(__name__)


class KeyOperationError(RuntimeError):
    """A key operation that would make data unreadable, refused."""


@dataclass(frozen=True)
class RotationReport:
    """The key everything is under now and the rows rewritten per table."""

    key: str
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        moved = ", ".join(f"{t} {n}" for t, n in self.rows.items() if n) or "nothing to move"
        return f"every encrypted value is under key {self.key} ({moved})"


def add_key(path: Path) -> str:
    """A new key put first in the key file (the old ones stay, to read what is not moved yet); returns its id."""
    keys = split_keys(path.read_text(encoding="utf-8")) if path.exists() else []
    key = new_key()
    write_keys_file(path, [key, *keys])
    logger.info("new key %s added to %s", key_id(key), path)
    return key_id(key)


def reencrypt(warehouse: Warehouse, keyring: Keyring, rows: int = BATCH_ROWS) -> RotationReport:
    """Every encrypted value (and every plaintext one left from before) moved to the keyring's newest key.

    Each batch is its own short transaction; a table is gone over until no row is left behind, so values a
    running process wrote with the old key meanwhile are moved as well.
    """
    moved = {t.name: reencrypt_table(warehouse.begin, t, keyring, rows) for t in encrypted_tables()}
    report = RotationReport(keyring.current, moved)
    logger.info("key rotation: %s", report.summary())
    return report


def usage(warehouse: Warehouse) -> dict[str, dict[str, int]]:
    """Encrypted values per table and key id (``plaintext``: not encrypted yet)."""
    with warehouse.begin() as conn:
        return {t.name: key_usage(conn, t) for t in encrypted_tables()}


def check_retirable(warehouse: Warehouse, keyring: Keyring, kid: str) -> None:
    """Raise unless key ``kid`` can go: it is not the newest key and no row holds a value under it."""
    if kid == keyring.current:
        raise KeyOperationError(
            f"key {kid} is the newest key, the one that encrypts: rotate to a new key first"
        )
    with warehouse.begin() as conn:
        left = {t.name: count_under(conn, t, kid) for t in encrypted_tables()}
    left = {t: n for t, n in left.items() if n}
    if left:
        where = ", ".join(f"{t} {n}" for t, n in left.items())
        raise KeyOperationError(
            f"key {kid} still encrypts rows ({where}): run `python -m warehouse.keys rotate` first"
        )


def remove_key(path: Path, kid: str) -> None:
    """Take key ``kid`` out of the key file."""
    keys = split_keys(path.read_text(encoding="utf-8"))
    kept = [k for k in keys if key_id(k) != kid]
    if len(kept) == len(keys):
        raise KeyOperationError(f"there is no key {kid} in {path}")
    write_keys_file(path, kept)
    logger.info("key %s retired from %s", kid, path)
