"""Quality: measure every data-quality rule on the warehouse the batch built, keep the trend, open stewardship
items for failing rules and alert the stewards (:mod:`pipeline.quality.rules`, :mod:`pipeline.quality.stewardship`).

A failing rule does not fail the batch: its data are already the best the sources gave; the batch's message
names the failing rules so the run's output and the status page show them.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.engine import Connection

from pipeline.ops import StepResult
from pipeline.quality.rules import evaluate
from pipeline.quality.stewardship import StewardAlerts, record

logger = logging.getLogger(__name__)


def check_quality(
    conn: Connection, batch_id: int, now: dt.datetime, alerts: StewardAlerts | None = None
) -> StepResult:
    results = evaluate(conn, batch_id, now.date())
    opened = record(conn, batch_id, results, now)
    if alerts is not None:
        alerts.announce(opened)
    failed = [r for r in results if not r.passed]
    logger.info(
        "quality rules: %d measured, %d failing, %d items opened", len(results), len(failed), len(opened)
    )
    message = "; ".join(f"quality rule {r.rule.name} failed: {r.detail}" for r in failed) or None
    return StepResult(rows_out=len(results), rows_rejected=len(failed), message=message)
