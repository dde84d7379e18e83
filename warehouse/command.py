"""What the warehouse's command-line tools share: logging set up, the warehouse opened, known errors printed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from settings import Settings
from warehouse.engine import Warehouse, WarehouseError


def run_command(
    settings: Settings, command: Callable[[Warehouse], None], errors: tuple[type[Exception], ...] = ()
) -> int:
    """Run ``command`` on the configured warehouse: 0 when it succeeds, 1 with ``error: …`` on stderr when it
    raises one of ``errors`` (or a :class:`WarehouseError`)."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    caught: tuple[type[Exception], ...] = (*errors, WarehouseError)
    warehouse = Warehouse.from_url(settings.warehouse_url)
    try:
        command(warehouse)
    except caught as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    finally:
        warehouse.engine.dispose()
    return 0


def say(text: str) -> None:
    """One line of a command's answer on stdout."""
    sys.stdout.write(text + "\n")
