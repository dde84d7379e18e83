"""The one settings object, read from the environment and ``.env`` (prefix ``C360_``).

An empty environment is the embedded demo: a SQLite warehouse under ``var/`` and the demo data set
under ``var/demo-data``. ``C360_DATABASE_URL`` selects PostgreSQL (``postgresql+psycopg://...``) or
SQL Server (``mssql+pyodbc://...``). Secrets come only from the environment or a secret store.

Secret stores, behind the same field names (highest precedence first): the environment, ``.env``, a
HashiCorp Vault-compatible KV version 2 store (``C360_VAULT_ADDR``, ``C360_VAULT_PATH``, and the token in
``C360_VAULT_TOKEN`` or the file ``C360_VAULT_TOKEN_FILE``), then files mounted in ``C360_SECRETS_DIR``
(default ``/run/secrets/c360``: one file per field, e.g. ``C360_SECRET_KEY``, as Docker and Kubernetes
mount secrets). A rotated secret is read when the settings are next created (:func:`reload_settings`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
SECRETS_DIR = Path("/run/secrets/c360")
VAULT_TIMEOUT = 5.0


class SecretStoreError(RuntimeError):
    """A configured secret store could not be read: the platform does not start on half its settings."""


class VaultSource(PydanticBaseSettingsSource):
    """Settings from a Vault KV v2 secret (``GET {addr}/v1/{mount}/data/{path}`` → ``data.data``).

    The secret's keys are the settings' field names (``secret_key``, ``database_url``, ...); unknown keys
    are ignored. Nothing is read unless ``C360_VAULT_ADDR`` is set.
    """

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._values = self._read()

    def _read(self) -> dict[str, Any]:
        addr = os.environ.get("C360_VAULT_ADDR", "").rstrip("/")
        if not addr:
            return {}
        path = os.environ.get("C360_VAULT_PATH", "secret/data/c360").strip("/")
        token = os.environ.get("C360_VAULT_TOKEN", "")
        token_file = os.environ.get("C360_VAULT_TOKEN_FILE", "")
        if not token and token_file:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        url = f"{addr}/v1/{path}"
        try:
            answer = requests.get(url, headers={"X-Vault-Token": token}, timeout=VAULT_TIMEOUT)
            answer.raise_for_status()
            data = answer.json()["data"]["data"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as e:
            raise SecretStoreError(f"the secret store at {url} could not be read: {e}") from e
        fields = self.settings_cls.model_fields
        known = {k: v for k, v in data.items() if k in fields}
        logger.info("settings: %d values from the secret store at %s", len(known), url)
        return known

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


class Settings(BaseSettings):
    """Everything the platform can be told; defaults are the embedded demo."""

    model_config = SettingsConfigDict(env_prefix="C360_", env_file=".env", extra="ignore")

    var_dir: Path = ROOT / "var"
    database_url: str = ""  # empty: SQLite file under var_dir
    sources_config: Path | None = None  # empty: the demo data's sources.toml
    demo_customers: int = 5000
    demo_seed: int = 42
    home_country: str = "GB"  # ISO 3166-1 alpha-2: national phone numbers and postcodes are read for it
    home_currency: str = "GBP"  # ISO 4217
    # Where identity resolution trains and scores its model (docs/scaling.md): duckdb in process, or spark
    # (Splink's Spark backend; needs pyspark, see `make test-spark`) on spark_master (local[N] or a cluster).
    identity_backend: str = Field(default="duckdb", pattern="^(duckdb|spark)$")
    spark_master: str = "local[2]"
    # Worker processes the stage step types landed records in, beside its own (docs/scaling.md); 0: none,
    # all in the step's process. Default: one per core beyond the first, at most four.
    stage_workers: int = Field(default_factory=lambda: min(max((os.cpu_count() or 1) - 1, 0), 4), ge=0)

    secret_key: SecretStr = SecretStr("")  # empty: a random key kept in var_dir (demo only)
    # Personal data at rest (docs/security.md, "Encryption at rest"): Fernet keys, newest first, comma
    # separated, and the key of the lookup hashes; empty: key files kept in var_dir (demo only).
    pii_keys: SecretStr = SecretStr("")
    pii_hash_key: SecretStr = SecretStr("")
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    cookie_secure: bool = True  # False only for a plain-HTTP demo on a LAN (a phone on the office Wi-Fi)
    portal_today: dt.date | None = None  # "today" for the portal's KPIs; empty: the latest day in the marts

    scheduler_enabled: bool = False
    pipeline_cron: str = "0 2 * * *"  # nightly at 02:00; crontab syntax
    log_level: str = "INFO"
    # The deletion circuit breaker: deletions of one entity in one batch beyond these wait for a data steward.
    deletion_max_share: float = Field(default=0.05, ge=0, le=1)
    deletion_free_records: int = Field(default=5, ge=0)
    deletion_max_records: int = Field(default=1000, ge=0)
    # The pipeline lock: a run waits this long for another to finish; a holder silent this long is dead.
    lock_wait_seconds: float = Field(default=0, ge=0)
    lock_stale_seconds: float = Field(default=60, gt=0)
    # Data-quality items opened by a batch are announced to the stewards here (a JSON POST), besides the log.
    steward_alert_webhook: str = ""

    # Retention periods per data category, in days (warehouse/privacy/retention.py, docs/privacy.md).
    retention_landing_days: int = Field(default=400, ge=1)  # superseded versions of landed records
    retention_rejected_days: int = Field(default=90, ge=1)  # rejected records and flagged raw values
    retention_soft_deleted_days: int = Field(default=30, ge=1)  # records their source deleted
    retention_event_days: int = Field(default=730, ge=1)  # the interaction event log

    demo_password: SecretStr = SecretStr("miracle-demo")  # the demo users' password (demo only)

    # Sign-in sessions: signed out after this long without a request, and this long after signing in.
    session_idle_minutes: int = Field(default=30, ge=1)
    session_max_hours: float = Field(default=12, gt=0)
    proxy_count: int = Field(default=0, ge=0)  # reverse proxies in front (X-Forwarded-* trusted); 0: none
    # Sign-in throttling: after `login_free_failures` failures an attempt waits 2^k s (at most the max);
    # `lockout_failures` failures within `lockout_window_minutes` lock the account for `lockout_minutes`.
    login_free_failures: int = Field(default=2, ge=0)
    login_max_delay_seconds: int = Field(default=60, ge=0)
    lockout_failures: int = Field(default=10, ge=1)
    lockout_window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    burst_failures: int = Field(default=20, ge=1)  # failures from one address within the window: an alert
    security_alert_webhook: str = ""  # URL that receives each security alert as JSON; empty: log only
    # An export naming at least this many customers (or holding their personal data) raises `bulk_export`.
    bulk_export_rows: int = Field(default=1000, ge=1)
    # Roles that must use a second factor (TOTP); they enrol at their next sign-in.
    mfa_required_roles: frozenset[str] = frozenset({"admin", "manager", "data_steward"})
    mfa_issuer: str = "Miracle Customer 360"
    hsts_seconds: int = Field(default=31536000, ge=0)  # Strict-Transport-Security max-age, sent over HTTPS

    # Live KPIs and alerts (docs/realtime.md): read from Kafka when a bootstrap is set, else computed in
    # process from the warehouse's event log.
    kafka_bootstrap: str = ""  # host:port[,host:port]; empty: the embedded engine
    kafka_topic_prefix: str = "c360"
    live_demo: bool | None = None  # embedded mode: play a demo day into the event log; empty: on in the demo
    live_refresh_ms: int = Field(default=250, ge=100)
    outbox_relay: bool = True  # with a broker and a SQLite warehouse, the portal relays its changes to Kafka

    # The REST API (docs/api.md): access tokens are signed with the first of `api_jwt_keys` ("kid:secret,...";
    # empty: one key derived from `secret_key`), older keys still verify until removed.
    api_jwt_keys: SecretStr = SecretStr("")
    api_access_minutes: int = Field(default=15, ge=1)
    api_refresh_days: int = Field(default=14, ge=1)
    api_rate_limit: str = "600 per minute"  # per client (token subject or API key); flask-limiter syntax
    api_rate_limit_storage: str = "memory://"  # shared storage (redis://...) when several processes serve
    webhook_max_attempts: int = Field(default=6, ge=1)  # then the delivery is dead-lettered
    webhook_backoff_seconds: float = Field(default=2.0, gt=0)  # the first retry's wait; doubles each time
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_replay_seconds: int = Field(default=300, ge=1)  # receivers refuse signatures older than this
    # Webhook URLs must reach public addresses; these hosts, addresses or networks are allowed although they are
    # not ("hooks.internal.example,10.20.0.0/16"). Empty: none (api/v1/urlguard.py).
    webhook_allowed_hosts: str = ""

    # Budget plans (docs/models.md): each channel within [lower, upper] × its current daily spend; a
    # reallocation moving more than the threshold a day waits for a manager; alert above ratio × budget.
    budget_lower: float = Field(default=0.5, ge=0.0, le=1.0)
    budget_upper: float = Field(default=2.0, ge=1.0)
    budget_approval_threshold: float = Field(default=100.0, ge=0.0)
    budget_alert_ratio: float = Field(default=1.25, gt=1.0)

    # Operations (docs/operations.md): logs, tracing, the scheduler's leader lock, backups, cost estimate.
    log_format: str = Field(default="text", pattern="^(text|json)$")  # json: one object per line, with ids
    tracing_enabled: bool = False  # OpenTelemetry spans of requests, warehouse statements and Kafka records
    otlp_endpoint: str = ""  # OTLP/HTTP traces URL; empty: the exporter's default (OTEL_EXPORTER_OTLP_*)
    scheduler_metrics_port: int = Field(default=9108, ge=0, le=65535)  # /metrics of the scheduler; 0: none
    leader_lease_seconds: float = Field(
        default=30, gt=0
    )  # a scheduler replica silent this long loses the lead
    backup_dir: Path | None = None  # empty: var_dir/backups
    backup_keep: int = Field(default=14, ge=1)  # backups kept; older ones are deleted after each new one
    backup_cron: str = "0 1 * * *"  # daily at 01:00 UTC, before the nightly batch
    # Monthly cost estimate (admin operations page): unit prices in home_currency, from the provider's list.
    cost_vcpu_hour: float = Field(default=0.040, ge=0)  # one vCPU of a cluster node, per hour
    cost_gib_ram_hour: float = Field(default=0.005, ge=0)  # one GiB of node memory, per hour
    cost_storage_gib_month: float = Field(default=0.10, ge=0)  # managed disk / database storage
    cost_backup_gib_month: float = Field(default=0.02, ge=0)  # backup blob storage (cool tier)
    cost_database_month: float = Field(default=350.0, ge=0)  # the managed warehouse database's compute
    cost_kafka_month: float = Field(default=180.0, ge=0)  # the managed Kafka endpoint (one throughput unit)
    cost_web_vcpus: float = Field(default=2.0, ge=0)  # vCPUs the web tier reserves (requests of its pods)
    cost_web_gib: float = Field(default=4.0, ge=0)

    @model_validator(mode="after")
    def _live_demo_default(self) -> Settings:
        """The demo day plays by default only in the embedded demo warehouse (no database URL)."""
        if self.live_demo is None:
            self.live_demo = not self.database_url
        return self

    @property
    def warehouse_url(self) -> str:
        """The SQLAlchemy URL of the warehouse."""
        return self.database_url or f"sqlite:///{self.var_dir / 'warehouse.db'}"

    @property
    def backup_path(self) -> Path:
        """Where backups are written."""
        return self.backup_dir or self.var_dir / "backups"

    @property
    def demo_data_dir(self) -> Path:
        return self.var_dir / "demo-data"

    @property
    def sources_path(self) -> Path:
        """The sources config the pipeline runs; the demo's when none is set."""
        return self.sources_config or self.demo_data_dir / "sources.toml"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        mounted = Path(os.environ.get("C360_SECRETS_DIR", str(SECRETS_DIR)))
        files = SecretsSettingsSource(settings_cls, secrets_dir=mounted if mounted.is_dir() else None)
        return init_settings, env_settings, dotenv_settings, VaultSource(settings_cls), files


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def reload_settings() -> Settings:
    """Read every settings source again (after a secret was rotated in its store)."""
    get_settings.cache_clear()
    return get_settings()
