"""The scheduler as its own process, with a leader lock so that of several replicas exactly one schedules.

Every replica runs :func:`serve_scheduler`; the one holding the ``scheduler`` row of the warehouse's lock
table (``pipeline.lock.RunLock``, heartbeat every third of the lease) starts APScheduler, the others wait
and try again every third of the lease. A leader that dies stops its heartbeat: within one lease another
replica takes over. A leader that finds its lock taken over stops scheduling at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from pipeline.lock import LockHeld, LockSettings, RunLock
from settings import Settings
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

LEADER_LOCK = "scheduler"
BACKUP_JOB = "warehouse-backup"


def leader_lock(warehouse: Warehouse, lease: float) -> RunLock:
    """A fresh claim on the scheduler's leadership (a new owner id each time)."""
    return RunLock(warehouse, LockSettings(heartbeat=lease / 3, stale_after=lease, wait=0), name=LEADER_LOCK)


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
    try:
        while not stop.is_set():
            lock = leader_lock(warehouse, lease)
            try:
                with lock.held():
                    logger.info("this replica leads: scheduling (lease %.0f s)", lease)
                    scheduler = make_scheduler(settings)
                    scheduler.start()
                    if on_lead is not None:
                        on_lead(True)
                    try:
                        while not stop.wait(min(1.0, lease / 3)) and not lock.lost.is_set():
                            pass
                    finally:
                        scheduler.shutdown(wait=False)
                        if on_lead is not None:
                            on_lead(False)
                    if lock.lost.is_set():
                        logger.error("leadership taken over by another replica: scheduling stopped here")
            except LockHeld:
                logger.debug("another replica leads; waiting")
                stop.wait(lease / 3)
    finally:
        warehouse.engine.dispose()
    logger.info("scheduler stopped")
