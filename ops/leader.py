"""The scheduler as its own process, with a leader lock so that of several replicas exactly one schedules.

Every replica runs :func:`serve_scheduler` (the ``python -m pipeline schedule`` process, or a thread of each
web worker): the one leading the ``scheduler`` lock of the warehouse (``pipeline.lock.lead``, heartbeat every
third of the lease) starts APScheduler, the others wait and try again every third of the lease. A leader that dies stops its heartbeat: within one lease another
replica takes over. A leader that finds its lock taken over stops scheduling at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from pipeline.lock import LockSettings, lead
from settings import Settings
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

LEADER_LOCK = "scheduler"
BACKUP_JOB = "warehouse-backup"


def lease_settings(lease: float) -> LockSettings:
    """The scheduler lock's timing: a heartbeat every third of the lease, stale after one lease."""
    return LockSettings(heartbeat=lease / 3, stale_after=lease, wait=0)


def run_backup_job(settings: Settings) -> None:
    """The scheduled backup: one backup of the warehouse, then the retention sweep."""
    from warehouse.backup import create_backup, prune

    try:
        made = create_backup(settings.warehouse_url, settings.backup_path)
        removed = prune(settings.backup_path, settings.backup_keep)
        logger.info("backup %s written; %d old backups removed", made.name, len(removed))
    except Exception:
        logger.exception("the scheduled backup failed")


def build_scheduler(settings: Settings) -> BaseScheduler:
    """The pipeline's scheduler (batch, retraining, retention) plus the daily backup."""
    from pipeline.scheduler import create_scheduler

    scheduler = create_scheduler(settings)
    scheduler.add_job(
        run_backup_job,
        CronTrigger.from_crontab(settings.backup_cron, timezone="UTC"),
        args=[settings],
        id=BACKUP_JOB,
        name="Customer 360 warehouse backup",
        replace_existing=True,
    )
    return scheduler


def serve_scheduler(
    settings: Settings,
    stop: threading.Event,
    make_scheduler: Callable[[Settings], BaseScheduler] = build_scheduler,
    on_lead: Callable[[bool], None] | None = None,
) -> None:
    """Schedule while this replica leads; wait for the lead otherwise; return when ``stop`` is set."""
    warehouse = Warehouse.from_url(settings.warehouse_url)
    lease = settings.leader_lease_seconds

    def schedule(done: Callable[[], bool]) -> None:
        logger.info("this replica leads: scheduling (lease %.0f s)", lease)
        scheduler = make_scheduler(settings)
        scheduler.start()
        if on_lead is not None:
            on_lead(True)
        try:
            while not done():
                stop.wait(min(1.0, lease / 3))
        finally:
            scheduler.shutdown(wait=False)
            if on_lead is not None:
                on_lead(False)
        if not stop.is_set():
            logger.error("leadership taken over by another replica: scheduling stopped here")

    try:
        lead(warehouse, LEADER_LOCK, schedule, stop, retry=lease / 3, settings=lease_settings(lease))
    finally:
        warehouse.engine.dispose()
    logger.info("scheduler stopped")


def start_scheduler_thread(settings: Settings) -> Callable[[], None] | None:
    """Serve the scheduler on a daemon thread of this process when settings enable it (each web worker
    does; the one that leads schedules). Returns the function that stops it, or None when scheduling is off."""
    if not settings.scheduler_enabled:
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_scheduler, args=(settings, stop), name="scheduler-leader", daemon=True
    )
    thread.start()

    def stopped() -> None:
        """Stop scheduling and wait (a few seconds at most) until the lead is let go for another process."""
        stop.set()
        thread.join(timeout=10)

    return stopped
