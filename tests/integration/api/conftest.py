"""Fixtures for API integration tests: the portal served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from tests.unit.api.api_helpers import Clock, api_app
from warehouse.engine import Warehouse


@contextmanager
def serve_api(
    warehouse: Warehouse, var_dir: Path, clock: Clock | None = None, **settings: Any
) -> Iterator[str]:
    """The portal and its API on a free loopback port for the ``with`` block; yields the base URL."""
    app = api_app(warehouse, var_dir, clock or Clock(), **settings)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
