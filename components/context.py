"""The running portal's settings and warehouse, handed to callbacks through the Flask app.

``create_app`` installs a :class:`Portal` on its Flask server; callbacks and views call
:func:`current_portal` inside the request, so each app (and each test) brings its own warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from flask import Flask, current_app

from settings import Settings
from warehouse.engine import Warehouse
from warehouse.queries import latest_day

EXTENSION = "customer360"


@dataclass(frozen=True)
class Portal:
    settings: Settings
    warehouse: Warehouse

    def today(self) -> dt.date | None:
        """The portal's "today": ``settings.portal_today`` when set, else the latest day in ``mart_kpi_daily``.

        Marts are rebuilt in batches, so the latest mart day (not the wall clock) is the last complete
        picture; ``None`` when the mart is empty.
        """
        override = getattr(self.settings, "portal_today", None)  # optional setting (C360_PORTAL_TODAY)
        if isinstance(override, dt.date):
            return override
        return latest_day(self.warehouse)


def install(server: Flask, portal: Portal) -> None:
    server.extensions[EXTENSION] = portal


def current_portal() -> Portal:
    """The portal of the app handling the current request."""
    return cast(Portal, current_app.extensions[EXTENSION])
