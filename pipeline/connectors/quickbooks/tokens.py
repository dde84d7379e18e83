"""OAuth2 tokens of a QuickBooks connection, kept encrypted on disk outside git and the warehouse.

The file (``<var_dir>/secrets/<source>.qbo-token`` unless ``token_path`` is set) holds the access token,
the rotating refresh token and the access token's expiry, encrypted with Fernet (AES-128-CBC + HMAC) under
a key read from the environment (``C360_QBO_TOKEN_KEY`` unless ``token_key_env`` names another variable).
The first run seeds it from the refresh token in ``C360_QBO_REFRESH_TOKEN`` (or ``refresh_token_env``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from pipeline.errors import ConfigError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tokens:
    """What the token store keeps; ``expires_at`` is epoch seconds (wall clock)."""

    refresh_token: str
    access_token: str | None = None
    expires_at: float = 0.0


class TokenStore:
    """Load and save :class:`Tokens` in one encrypted file (written atomically, mode 0600)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as e:
            raise ConfigError(
                "the QuickBooks token key is not a Fernet key; create one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from e

    @classmethod
    def from_env(cls, path: Path, key_env: str) -> TokenStore:
        key = os.environ.get(key_env, "").strip()
        if not key:
            raise ConfigError(f"set {key_env} to the Fernet key that encrypts the QuickBooks token file")
        return cls(path, key.encode("ascii"))

    def load(self) -> Tokens | None:
        """The stored tokens, or ``None`` when nothing is stored yet."""
        if not self.path.exists():
            return None
        try:
            data = json.loads(self._fernet.decrypt(self.path.read_bytes()))
            return Tokens(str(data["refresh_token"]), data.get("access_token"), float(data["expires_at"]))
        except (InvalidToken, ValueError, KeyError, TypeError) as e:
            raise ConfigError(
                f"cannot decrypt the QuickBooks token file {self.path}: wrong key, or the file is damaged; "
                "delete it and seed a new refresh token"
            ) from e

    def save(self, tokens: Tokens) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self._fernet.encrypt(json.dumps(asdict(tokens)).encode("utf-8")))
        os.replace(tmp, self.path)
        logger.info("saved QuickBooks tokens to %s (encrypted)", self.path)
