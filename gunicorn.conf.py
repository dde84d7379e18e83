"""gunicorn settings for the portal (``make demo``; the image): several workers, each with threads.

``gunicorn -c gunicorn.conf.py 'app:create_server()'``. The master prepares the warehouse (newest
schema, demo logins) once before forking. Every worker serves pages and runs its own live listener
(the live board is per process). What must run once is led through the warehouse's lock table
(``pipeline.lock.lead``), the same way across workers, replicas and hosts: every worker offers to play the
embedded demo day (lock ``live-demo``) and, when ``C360_SCHEDULER_ENABLED``, to run the scheduler (lock
``scheduler``, ``ops.leader``); one leads each, and another takes over when it exits. Sizes:
``C360_WEB_WORKERS`` (default 3), ``C360_WEB_THREADS`` (default 4).
"""

from __future__ import annotations

import gc
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
_stop_scheduler = None  # called on worker exit: the scheduler thread lets go of the lead


def on_starting(server: object) -> None:
    """In the master, once: the warehouse at the newest schema and the demo logins printed."""
    from app import prepare
    from ops import configure_logging

    configure_logging(_settings.log_level, _settings.log_format)
    prepare(_settings).engine.dispose()  # no connection crosses the fork


def post_fork(server: object, worker: object) -> None:
    """In each new worker: offer to lead the scheduler (the demo day is offered by the app itself)."""
    global _stop_scheduler
    from ops.leader import start_scheduler_thread

    _stop_scheduler = start_scheduler_thread(get_settings())


def post_worker_init(worker: object) -> None:
    """In each worker, once the app is built: its modules and startup objects live as long as the worker, so
    they are moved out of the collector's sight; a full collection then walks only what requests made
    (~0.4 s less per full collection, which otherwise lands on whichever request triggers it)."""
    gc.freeze()


def worker_exit(server: object, worker: object) -> None:
    """A leaving worker hands the scheduler's lead on at once rather than after its lease."""
    if _stop_scheduler is not None:
        _stop_scheduler()
