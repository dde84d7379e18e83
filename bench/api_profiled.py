"""The portal's WSGI app with every request profiled (cProfile), for ``bench/api_load.py --profile DIR``.

Each request's profile is written to ``C360_BENCH_PROFILE_DIR`` (one ``.prof`` file per request, named by
method, path, time taken and start); ``bench/api_load.py`` sums them into one table after the run.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from werkzeug.middleware.profiler import ProfilerMiddleware

from app import create_server

logger = logging.getLogger(__name__)


def create() -> Any:
    """gunicorn's app factory: the server wrapped in werkzeug's per-request profiler."""
    return ProfilerMiddleware(
        create_server(),
        stream=None,
        profile_dir=os.environ["C360_BENCH_PROFILE_DIR"],
        filename_format="{method}.{path}.{elapsed:.0f}ms.{time:.6f}.prof",
    )
