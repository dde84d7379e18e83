"""OAuth2 tokens of a QuickBooks connection, kept encrypted on disk outside git and the warehouse.

The file (``<var_dir>/secrets/<source>.qbo-token`` unless ``token_path`` is set) holds the access token,
the rotating refresh token and the access token's expiry, encrypted with Fernet (AES-128-CBC + HMAC) under
a key read from the environment (``C360_QBO_TOKEN_KEY`` unless ``token_key_env`` names another variable).
The first run seeds it from the refresh token in ``C360_QBO_REFRESH_TOKEN`` (or ``refresh_token_env``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.connectors.secrets import SecretFile
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
        self._file = SecretFile(path, key, "QuickBooks token")

    @classmethod
    def from_env(cls, path: Path, key_env: str) -> TokenStore:
        key = os.environ.get(key_env, "").strip()
        if not key:
            raise ConfigError(f"set {key_env} to the Fernet key that encrypts the QuickBooks token file")
        return cls(path, key.encode("ascii"))

    def load(self) -> Tokens | None:
        """The stored tokens, or ``None`` when nothing is stored yet."""
        data = self._file.load()
        if data is None:
            return None
        try:
            return Tokens(str(data["refresh_token"]), data.get("access_token"), float(data["expires_at"]))
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(
                f"the QuickBooks token file {self.path} is damaged; delete it and seed a new refresh token"
            ) from e

    def save(self, tokens: Tokens) -> None:
        self._file.save(asdict(tokens))
