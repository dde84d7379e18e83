"""Keys for personal data at rest: Fernet tokens for the values, keyed hashes (blind indexes) for lookups.

A stored value is ``enc1:<key id>:<Fernet token>``; the key id (8 hex digits of the key's SHA-256) lets a
rotation find the rows a key still holds with plain SQL. A value without the prefix is a plaintext row
written before encryption and reads as itself. Keys come newest first: the first encrypts, any decrypts
(``MultiFernet``). Lookups by e-mail or phone use ``HMAC-SHA256(hash key, kind:normalised value)`` columns,
under a key of their own that rotation leaves alone.

Where keys come from: ``settings.pii_keys`` (comma separated, newest first) and ``settings.pii_hash_key``,
read like every secret (environment, ``.env``, Vault, mounted files); when unset (the embedded demo), the
files ``pii-keys`` and ``pii-hash-key`` in ``var_dir``, created with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from settings import Settings, get_settings

logger = logging.getLogger(__name__)

PREFIX = "enc1:"
KEYS_FILE = "pii-keys"  # the file name, not a key
HASH_KEY_FILE = "pii-hash-key"
REFRESH_SECONDS = 1.0  # an unknown key id re-reads the key source at most this often
ATTRIBUTE = "c360_keyring"  # where an engine's dialect carries its keyring


class KeyringError(RuntimeError):
    """A value cannot be decrypted with the keys configured (a key was retired too early, or the data is damaged)."""


def key_id(key: str | bytes) -> str:
    """The short public name of a Fernet key (first 8 hex digits of its SHA-256)."""
    raw = key.encode("ascii") if isinstance(key, str) else key
    return hashlib.sha256(raw.strip()).hexdigest()[:8]


def new_key() -> str:
    """A fresh Fernet key (URL-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def token_key_id(value: str) -> str | None:
    """The key id an encrypted value names, or ``None`` for plaintext."""
    if not value.startswith(PREFIX):
        return None
    return value[len(PREFIX) : len(PREFIX) + 8]


def normalise(kind: str, value: str) -> str:
    """What a blind index hashes: e-mails case-folded, phones and other values stripped."""
    text = value.strip()
    return text.lower() if kind == "email" else text


class Keyring:
    """The Fernet keys (newest first) and the hash key; thread-safe, refreshed from its source on an unknown key id."""

    def __init__(
        self,
        keys: Sequence[str],
        hash_key: str | bytes,
        reload: Callable[[], tuple[list[str], bytes]] | None = None,
    ) -> None:
        if not keys:
            raise KeyringError("no encryption key is configured")
        self._lock = threading.Lock()
        self._reload = reload
        self._last_refresh = 0.0
        self._hash_key = hash_key.encode("utf-8") if isinstance(hash_key, str) else hash_key
        self._set(list(keys))

    def _set(self, keys: list[str]) -> None:
        fernets = [Fernet(k.strip().encode("ascii")) for k in keys]
        newest = base64.urlsafe_b64decode(keys[0].strip().encode("ascii"))
        self._newest = _SyntheticIv(newest)
        self._state = (tuple(key_id(k) for k in keys), MultiFernet(fernets))

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys, newest (the one that encrypts) first."""
        return self._state[0]

    @property
    def current(self) -> str:
        return self._state[0][0]

    def encrypt(self, text: str) -> str:
        """A Fernet token of ``text`` under the newest key; the same text gives the same token (see
        :class:`_SyntheticIv`), so a batch that rewrites an unchanged row leaves it byte for byte as it was."""
        ids = self._state[0]
        return f"{PREFIX}{ids[0]}:{self._newest.token(text.encode('utf-8'))}"

    def decrypt(self, value: str) -> str:
        """The plaintext of a stored value (plaintext rows from before encryption read as they are)."""
        kid = token_key_id(value)
        if kid is None:
            return value
        if kid not in self.key_ids:
            self.refresh()
        ids, multi = self._state
        try:
            return multi.decrypt(value[len(PREFIX) + 9 :].encode("ascii")).decode("utf-8")
        except InvalidToken as e:
            raise KeyringError(
                f"a value encrypted with key {kid} cannot be decrypted with keys {list(ids)}"
            ) from e

    def rotate(self, value: str) -> str:
        """The value encrypted with the newest key (decrypted with any, as ``MultiFernet.rotate`` does);
        plaintext gets encrypted."""
        kid = token_key_id(value)
        if kid == self.current:
            return value
        return self.encrypt(self.decrypt(value))

    def blind_index(self, kind: str, value: str | None) -> str | None:
        """The keyed hash an exact lookup of ``value`` compares (``None`` for a missing value)."""
        if value is None or not value.strip():
            return None
        message = f"{kind}:{normalise(kind, value)}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def refresh(self) -> None:
        """Read the keys again from their source (another process rotated them); at most once a second."""
        if self._reload is None:
            return
        with self._lock:
            if time.monotonic() - self._last_refresh < REFRESH_SECONDS:
                return
            self._last_refresh = time.monotonic()
            keys, _ = self._reload()
            self._set(keys)
            logger.info("encryption keys re-read: %s", ", ".join(self.key_ids))


class _SyntheticIv:
    """Fernet tokens (spec version 0x80, readable by any ``Fernet``/``MultiFernet``) whose IV is an HMAC of the
    plaintext under a key derived from the Fernet key, and whose timestamp is 0: deterministic encryption.

    Equal values give equal tokens, which shows which stored values are equal (as the lookup hashes already do
    for e-mails and phones) and nothing else; in exchange a rebuilt row that did not change is stored
    unchanged, so change capture and backups see no churn.
    """

    def __init__(self, key: bytes) -> None:
        self._signing, self._encryption = key[:16], key[16:]
        self._iv_key = hmac.new(key, b"c360 synthetic iv", hashlib.sha256).digest()

    def token(self, data: bytes) -> str:
        iv = hmac.new(self._iv_key, data, hashlib.sha256).digest()[:16]
        padder = padding.PKCS7(algorithms.AES.block_size).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self._encryption), modes.CBC(iv)).encryptor()
        body = b"\x80" + (0).to_bytes(8, "big") + iv + encryptor.update(padded) + encryptor.finalize()
        mac = hmac.new(self._signing, body, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(body + mac).decode("ascii")


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The text of a key file, created with mode 0600 (in a 0700 folder) when missing.

    The key is written to a file of this process and thread, then linked into place: another worker
    starting at the same moment reads the whole key or finds none, never an empty file, and the
    first link wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(make() + "\n")
            os.link(tmp, path)
            logger.info("created the key file %s", path)
        except FileExistsError:
            pass  # another worker's key is in place: use it
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8")


def split_keys(text: str) -> list[str]:
    """Keys from a comma-, space- or line-separated list, in order."""
    return [k for k in text.replace(",", " ").split() if k]


def write_keys_file(path: Path, keys: Sequence[str]) -> None:
    """Replace the key file atomically (mode 0600), newest key first."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(tmp, path)


def keys_file(settings: Settings) -> Path | None:
    """The key file in ``var_dir`` when the keys are not configured in the secret store, else ``None``."""
    return None if settings.pii_keys.get_secret_value() else Path(settings.var_dir) / KEYS_FILE


def read_keys(settings: Settings) -> tuple[list[str], bytes]:
    """The Fernet keys (newest first) and the hash key the settings name."""
    configured = settings.pii_keys.get_secret_value()
    path = keys_file(settings)
    keys = split_keys(configured if path is None else _read_or_create(path, new_key))
    hash_text = settings.pii_hash_key.get_secret_value()
    if not hash_text:
        hash_text = _read_or_create(Path(settings.var_dir) / HASH_KEY_FILE, new_key).strip()
    return keys, hash_text.strip().encode("utf-8")


def load_keyring(settings: Settings) -> Keyring:
    """The keyring of ``settings``; when it meets a newer key id it re-reads the same source."""
    keys, hash_key = read_keys(settings)
    var_dir = settings.var_dir

    def reload() -> tuple[list[str], bytes]:
        return read_keys(Settings(var_dir=var_dir))  # a fresh read of every source, not the cached settings

    return Keyring(keys, hash_key, reload)


@lru_cache(maxsize=1)
def default_keyring() -> Keyring:
    """The process-wide keyring, from the process-wide settings (used when an engine carries none)."""
    return load_keyring(get_settings())


def attach(engine: Any, keyring: Keyring) -> None:
    """Make ``engine`` encrypt and decrypt with ``keyring`` instead of the process-wide one."""
    setattr(engine.dialect, ATTRIBUTE, keyring)


def keyring_of(dialect: Any) -> Keyring:
    """The keyring an engine's dialect carries, else the process-wide one."""
    found = getattr(dialect, ATTRIBUTE, None)
    return found if isinstance(found, Keyring) else default_keyring()
