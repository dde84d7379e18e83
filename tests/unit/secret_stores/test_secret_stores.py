"""Secrets from a Vault-compatible store and from mounted files, behind the same settings fields; a rotated
secret is read again; a configured store that cannot be read stops the start instead of running half set up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from settings import SecretStoreError, Settings, get_settings, reload_settings
from tests.integration.loopback import serve

TOKEN = "s.test-token"


class Vault(BaseHTTPRequestHandler):
    """A KV version 2 read as Vault documents it: ``GET /v1/<mount>/data/<path>`` with ``X-Vault-Token``."""

    secrets: ClassVar[dict[str, dict[str, Any]]]

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        if self.headers.get("X-Vault-Token") != TOKEN:
            self._answer(403, {"errors": ["permission denied"]})
        elif self.path.removeprefix("/v1/") in self.secrets:
            data = self.secrets[self.path.removeprefix("/v1/")]
            self._answer(200, {"data": {"data": data, "metadata": {"version": 3}}, "lease_duration": 0})
        else:
            self._answer(404, {"errors": []})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("C360_SECRET_KEY", "C360_DATABASE_URL", "C360_VAULT_ADDR", "C360_VAULT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("C360_SECRETS_DIR", str(tmp_path / "no-mounted-secrets"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_secrets_come_from_the_vault_store_and_a_rotation_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = {
        "secret/data/c360": {"secret_key": "from-vault-1", "database_url": "sqlite:///vault.db", "x": 1}
    }
    with serve(Vault, secrets=secrets) as url:
        monkeypatch.setenv("C360_VAULT_ADDR", url)
        monkeypatch.setenv("C360_VAULT_TOKEN", TOKEN)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert settings.secret_key.get_secret_value() == "from-vault-1"
        assert settings.warehouse_url == "sqlite:///vault.db"
        assert "from-vault-1" not in repr(settings), "secrets never show in logs or tracebacks"
        secrets["secret/data/c360"]["secret_key"] = "from-vault-2"  # rotated in the store
        assert reload_settings().secret_key.get_secret_value() == "from-vault-2"
        monkeypatch.setenv("C360_SECRET_KEY", "from-environment")
        assert reload_settings().secret_key.get_secret_value() == "from-environment", "the environment wins"


def test_a_token_from_a_mounted_file_and_a_store_that_refuses_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with serve(Vault, secrets={"kv/data/portal": {"secret_key": "k"}}) as url:
        monkeypatch.setenv("C360_VAULT_ADDR", url)
        monkeypatch.setenv("C360_VAULT_PATH", "kv/data/portal")
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN + "\n", encoding="utf-8")
        monkeypatch.setenv("C360_VAULT_TOKEN_FILE", str(token_file))
        assert Settings(_env_file=None).secret_key.get_secret_value() == "k"  # type: ignore[call-arg]
        token_file.write_text("s.revoked", encoding="utf-8")
        with pytest.raises(SecretStoreError, match="could not be read: 403"):
            Settings(_env_file=None)  # type: ignore[call-arg]


def test_secrets_from_files_mounted_by_docker_or_kubernetes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mounted = tmp_path / "secrets"
    mounted.mkdir()
    (mounted / "c360_secret_key").write_text("from-a-mounted-file", encoding="utf-8")
    monkeypatch.setenv("C360_SECRETS_DIR", str(mounted))
    assert Settings(_env_file=None).secret_key.get_secret_value() == "from-a-mounted-file"  # type: ignore[call-arg]
