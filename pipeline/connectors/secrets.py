"""Secrets a connector learns at run time (rotated OAuth tokens), kept encrypted on disk.

Not in git and not in the warehouse: one file per source under ``<var_dir>/secrets/`` (mode 0600, written
atomically), encrypted with Fernet (AES-128-CBC + HMAC) under a key read from the environment. Create a key
with ``python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from pipeline.errors import ConfigError

logger = logging.getLogger(__name__)


class SecretFile:
    """One JSON document, encrypted in one file."""

    def __init__(self, path: Path, key: bytes, what: str = "secret") -> None:
        self.path, self.what = path, what
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as e:
            raise ConfigError(
                f"the key for the {what} file is not a Fernet key; create one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from e

    @classmethod
    def from_env(cls, path: Path, key_env: str, what: str = "secret") -> SecretFile:
        key = os.environ.get(key_env, "").strip()
        if not key:
            raise ConfigError(f"set {key_env} to the Fernet key that encrypts the {what} file {path}")
        return cls(path, key.encode("ascii"), what)

    def load(self) -> dict[str, Any] | None:
        """The stored document, or ``None`` when nothing is stored yet."""
        if not self.path.exists():
            return None
        try:
            data = json.loads(self._fernet.decrypt(self.path.read_bytes()))
        except (InvalidToken, ValueError) as e:
            raise ConfigError(
                f"cannot decrypt the {self.what} file {self.path}: wrong key, or the file is damaged; "
                "delete it and seed a new one"
            ) from e
        if not isinstance(data, dict):
            raise ConfigError(f"the {self.what} file {self.path} does not hold a JSON object")
        return data

    def save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self._fernet.encrypt(json.dumps(data).encode("utf-8")))
        os.replace(tmp, self.path)
        logger.info("saved the %s to %s (encrypted)", self.what, self.path)
