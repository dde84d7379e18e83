"""The one settings object, read from the environment and ``.env`` (prefix ``C360_``).

An empty environment is the embedded demo: a SQLite warehouse under ``var/`` and the demo data set
under ``var/demo-data``. ``C360_DATABASE_URL`` selects PostgreSQL (``postgresql+psycopg://...``) or
SQL Server (``mssql+pyodbc://...``). Secrets come only from the environment or a secret store.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


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

    secret_key: SecretStr = SecretStr("")  # empty: a random key kept in var_dir (demo only)
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

    demo_password: SecretStr = SecretStr("miracle-demo")  # the demo users' password (demo only)
    session_minutes: int = Field(default=480, ge=5)

    # Live KPIs and alerts (docs/realtime.md): read from Kafka when a bootstrap is set, else computed in
    # process from the warehouse's event log.
    kafka_bootstrap: str = ""  # host:port[,host:port]; empty: the embedded engine
    kafka_topic_prefix: str = "c360"
    live_demo: bool | None = None  # embedded mode: play a demo day into the event log; empty: on in the demo
    live_refresh_ms: int = Field(default=1000, ge=100)

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
    def demo_data_dir(self) -> Path:
        return self.var_dir / "demo-data"

    @property
    def sources_path(self) -> Path:
        """The sources config the pipeline runs; the demo's when none is set."""
        return self.sources_config or self.demo_data_dir / "sources.toml"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
