"""What every API view needs, kept on the Flask app: settings, warehouse, signing keys, clock and sleep."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, g

from api.v1.tokens import KeySet, Principal
from settings import Settings
from warehouse.engine import Warehouse

EXTENSION = "customer360.api"


def utcnow() -> dt.datetime:
    """Now, naive UTC (the warehouse's timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class ApiContext:
    """The API's resources; tests hand in their own clock and sleep."""

    settings: Settings
    warehouse: Warehouse
    keys: KeySet
    clock: Callable[[], dt.datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep
    extras: dict[str, object] = field(default_factory=dict)


def install_context(server: Flask, context: ApiContext) -> None:
    server.extensions[EXTENSION] = context


def api_context() -> ApiContext:
    """The context of the app handling the current request."""
    context: ApiContext = current_app.extensions[EXTENSION]
    return context


def current_principal() -> Principal:
    """Who is calling (set by the authentication hook before any protected view runs)."""
    principal: Principal = g.principal
    return principal
