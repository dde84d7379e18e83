"""APScheduler inside the app process: runs the pipeline on a cron schedule, never two batches at once.

A second daily job retrains the models when due (`pipeline.steps.score.retrain_models`); it takes the
same lock as the batch, so it never runs while a batch does (the batch's score step trains too). A third
removes personal data past its retention period (`warehouse.privacy.apply_retention`), under the same lock.
A fourth writes the weekly and monthly reports per role (`pipeline.reports`).

Jobs live in a SQLAlchemy job store in the warehouse, so a restart keeps the schedule; one job, one
instance at a time (``max_instances=1``), and a missed run is coalesced into one. Run a single
scheduler replica (the web tier scales out; the scheduler does not).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from pipeline.config import load_sources
from pipeline.deletions import DeletionLimits
from pipeline.lock import LockHeld, LockSettings, RunLock
from pipeline.quality.stewardship import StewardAlerts
from pipeline.runner import BatchOutcome, Clock, run_batch, utc_now
from settings import Settings
from warehouse.engine import Warehouse
from warehouse.privacy import RetentionPolicy, RetentionReport, apply_retention

if TYPE_CHECKING:
    from models.registry import Decision

logger = logging.getLogger(__name__)

PIPELINE_JOB = "pipeline-batch"
RETRAIN_JOB = "models-retrain"
RETRAIN_CRON = "0 5 * * *"  # daily, after the nightly batch; retrains only what is due
RETENTION_JOB = "privacy-retention"
RETENTION_CRON = "30 4 * * *"  # daily, after the nightly batch and before retraining
REPORTS_JOB = "scheduled-reports"
REPORTS_CRON = "0 6 * * *"  # daily, after the batch and retraining: writes the weekly/monthly reports due
_batch_lock = threading.Lock()  # one batch at a time in this process, whoever starts it


def run_pipeline_job(settings: Settings) -> BatchOutcome | None:
    """The scheduled job: one batch over the configured sources; skipped while another batch runs."""
    if not _batch_lock.acquire(blocking=False):
        logger.warning("a batch is already running; this run is skipped")
        return None
    try:
        warehouse = Warehouse.from_url(settings.warehouse_url)
        try:
            sources = load_sources(settings.sources_path)
            return run_batch(
                warehouse,
                sources,
                trigger="scheduler",
                limits=DeletionLimits.from_settings(settings),
                lock=LockSettings.from_settings(settings),
                alerts=StewardAlerts(settings.steward_alert_webhook),
            )
        except LockHeld as e:  # the same lock as every other run, wherever it was started
            logger.warning("scheduled batch skipped: %s", e)
            return None
        finally:
            warehouse.engine.dispose()
    finally:
        _batch_lock.release()


def run_retrain_job(settings: Settings, clock: Clock = utc_now, force: bool = False) -> list[Decision] | None:
    """The daily retrain job: the score step's train-if-due outside a batch; skipped while a batch runs."""
    from pipeline.steps.score import retrain_models

    if not _batch_lock.acquire(blocking=False):
        logger.warning("a batch is running; model retraining is skipped this time")
        return None
    try:
        warehouse = Warehouse.from_url(settings.warehouse_url)
        try:
            with warehouse.begin() as conn:
                return retrain_models(conn, settings.var_dir / "models", clock(), force)
        finally:
            warehouse.engine.dispose()
    finally:
        _batch_lock.release()


def run_retention_job(settings: Settings, clock: Clock = utc_now) -> RetentionReport | None:
    """The daily retention job: personal data past its period removed; skipped while a batch runs."""
    if not _batch_lock.acquire(blocking=False):
        logger.warning("a batch is running; retention is skipped this time")
        return None
    try:
        warehouse = Warehouse.from_url(settings.warehouse_url)
        try:
            with RunLock(warehouse, LockSettings.from_settings(settings)).held():
                return apply_retention(warehouse, clock(), RetentionPolicy.from_settings(settings))
        except LockHeld as e:
            logger.warning("retention skipped: %s", e)
            return None
        finally:
            warehouse.engine.dispose()
    finally:
        _batch_lock.release()


def run_reports_job(settings: Settings) -> list[Path]:
    """The daily reports job: the weekly and monthly PDFs per role that are due (`pipeline.reports`)."""
    from components.reports import render_pdf
    from pipeline.reports import write_due_reports

    warehouse = Warehouse.from_url(settings.warehouse_url)
    try:
        return write_due_reports(warehouse, settings.var_dir, render_pdf)
    finally:
        warehouse.engine.dispose()


def create_scheduler(settings: Settings) -> BackgroundScheduler:
    """A scheduler with the pipeline job on ``settings.pipeline_cron``; not started."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.warehouse_url, tablename="ops_scheduler_job")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone="UTC",
    )
    scheduler.add_job(
        run_pipeline_job,
        CronTrigger.from_crontab(settings.pipeline_cron, timezone="UTC"),
        args=[settings],
        id=PIPELINE_JOB,
        name="Customer 360 pipeline batch",
        replace_existing=True,
    )
    scheduler.add_job(
        run_retrain_job,
        CronTrigger.from_crontab(RETRAIN_CRON, timezone="UTC"),
        args=[settings],
        id=RETRAIN_JOB,
        name="Customer 360 model retraining (when due)",
        replace_existing=True,
    )
    scheduler.add_job(
        run_retention_job,
        CronTrigger.from_crontab(RETENTION_CRON, timezone="UTC"),
        args=[settings],
        id=RETENTION_JOB,
        name="Customer 360 privacy retention",
        replace_existing=True,
    )
    scheduler.add_job(
        run_reports_job,
        CronTrigger.from_crontab(REPORTS_CRON, timezone="UTC"),
        args=[settings],
        id=REPORTS_JOB,
        name="Customer 360 scheduled reports",
        replace_existing=True,
    )
    return scheduler
