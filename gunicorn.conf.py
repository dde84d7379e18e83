"""gunicorn settings for the portal (``make demo``; the image): several workers, each with threads.

``gunicorn -c gunicorn.conf.py 'app:create_server()'``. The master prepares the warehouse (newest
schema, demo logins) once before forking. Every worker serves pages and runs its own live listener
(the live board is per process); exactly one worker, the holder of ``var/scheduler.lock``
(``pipeline.scheduler_owner``), runs the scheduler and, in the embedded demo, plays the demo day. The
others start with ``C360_LIVE_DEMO=false`` and no scheduler. Sizes: ``C360_WEB_WORKERS`` (default 3),
``C360_WEB_THREADS`` (default 4).
"""

from __future__ import annotations

import os

from settings import get_settings

_settings = get_settings()
bind = f"{_settings.host}:{_settings.port}"
workers = int(os.environ.get("C360_WEB_WORKERS", "3"))
threads = int(os.environ.get("C360_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 120
graceful_timeout = 20
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
_owner = None  # the worker's lock file while it owns the scheduler


def on_starting(server: object) -> None:
    """In the master, once: the warehouse at the newest schema and the demo logins printed."""
    from app import prepare
    from ops import configure_logging

    configure_logging(_settings.log_level, _settings.log_format)
    prepare(_settings).engine.dispose()  # no connection crosses the fork


def post_fork(server: object, worker: object) -> None:
    """In each new worker: the scheduler and the demo day if this worker takes the lock, else neither."""
    global _owner
    from pipeline.scheduler import start_scheduler
    from pipeline.scheduler_owner import claim

    settings = get_settings()
    _owner = claim(settings.var_dir)
    if _owner is None:
        os.environ["C360_LIVE_DEMO"] = "false"  # the owner plays the demo day; this worker only listens
        get_settings.cache_clear()
        return
    start_scheduler(settings)
