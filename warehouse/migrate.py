"""Bring a warehouse to the newest schema revision with Alembic (the embedded demo does this too)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def upgrade(warehouse: Warehouse, revision: str = "head") -> None:
    """Upgrade ``warehouse`` to ``revision`` (idempotent: an up-to-date warehouse is left as it is)."""
    config = alembic_config()
    with warehouse.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    logger.info("warehouse at revision %s", revision)
