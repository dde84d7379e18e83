"""``GET /api/health``: is the service up and can it reach the warehouse (for load balancers and probes)."""

from __future__ import annotations

import logging
import tomllib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

import sqlalchemy as sa
from flask import Response, jsonify

from settings import ROOT
from warehouse.engine import Warehouse, WarehouseError

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def service_version() -> str:
    """The installed package version, else the one in ``pyproject.toml``."""
    try:
        return version("customer360")
    except PackageNotFoundError:
        with open(ROOT / "pyproject.toml", "rb") as f:
            return str(tomllib.load(f)["project"]["version"])


def warehouse_reachable(warehouse: Warehouse) -> bool:
    try:
        warehouse.scalar(sa.select(sa.literal(1)))
    except WarehouseError:
        logger.warning("health: warehouse unreachable", exc_info=True)
        return False
    return True


def health(warehouse: Warehouse) -> tuple[Response, int]:
    """200 with ``status: ok`` when the warehouse answers, else 503 with ``status: degraded``."""
    reachable = warehouse_reachable(warehouse)
    body = {
        "status": "ok" if reachable else "degraded",
        "warehouse": {"reachable": reachable, "dialect": warehouse.dialect},
        "version": service_version(),
    }
    return jsonify(body), 200 if reachable else 503
