"""What the platform runs and costs: recent batches and their steps, resource use, and a monthly cost estimate.

Resource figures come from the operating system (``/proc``, ``getrusage``, disk usage) and the warehouse's own
size; the estimate multiplies what the deployment reserves by the unit prices in settings (``cost_*``, in the
home currency, from the cloud provider's price list; docs/operations.md explains each line).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from settings import Settings
from warehouse.engine import Warehouse
from warehouse.schema import ops_batch_run, ops_step_run

logger = logging.getLogger(__name__)

HOURS_PER_MONTH = 730.0  # 365 * 24 / 12, as cloud price lists count a month
GIB = 1024**3
_started = time.monotonic()


@dataclass(frozen=True)
class Usage:
    rss_bytes: int  # this process's resident memory
    cpu_seconds: float  # CPU time this process used (user + system)
    uptime_seconds: float
    load_1m: float  # the host's run queue, averaged over a minute
    cpus: int
    warehouse_bytes: int  # the warehouse's size on disk (file or database)
    backup_bytes: int
    disk_free_bytes: int  # free space where var_dir lives

    @property
    def cpu_share(self) -> float:
        """The share of one CPU this process used on average since it started."""
        return self.cpu_seconds / self.uptime_seconds if self.uptime_seconds > 0 else 0.0


@dataclass(frozen=True)
class CostLine:
    item: str
    basis: str  # how the figure is reached, in words a reader can check
    monthly: float


def recent_batches(warehouse: Warehouse, limit: int = 20) -> list[dict[str, Any]]:
    """The newest batches: id, trigger, status, start, duration in seconds."""
    rows = warehouse.rows(
        sa.select(
            ops_batch_run.c.batch_id,
            ops_batch_run.c.trigger,
            ops_batch_run.c.status,
            ops_batch_run.c.started_at,
            ops_batch_run.c.finished_at,
        )
        .order_by(ops_batch_run.c.batch_id.desc())
        .limit(limit)
    )
    return [r | {"seconds": _seconds(r["started_at"], r["finished_at"])} for r in rows]


def batch_steps(warehouse: Warehouse, batch_id: int) -> list[dict[str, Any]]:
    """One batch's steps in the order they ran: status, seconds, rows in, out and rejected."""
    rows = warehouse.rows(
        sa.select(
            ops_step_run.c.step,
            ops_step_run.c.status,
            ops_step_run.c.started_at,
            ops_step_run.c.finished_at,
            ops_step_run.c.rows_in,
            ops_step_run.c.rows_out,
            ops_step_run.c.rows_rejected,
        )
        .where(ops_step_run.c.batch_id == batch_id)
        .order_by(ops_step_run.c.started_at)
    )
    return [r | {"seconds": _seconds(r["started_at"], r["finished_at"])} for r in rows]


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return (end - start).total_seconds() if start is not None and end is not None else None


def warehouse_bytes(warehouse: Warehouse) -> int:
    """The warehouse's size on disk: the SQLite file, or the database's allocated size on a server."""
    dialect = warehouse.dialect
    if dialect == "sqlite":
        path = make_url(str(warehouse.engine.url)).database
        if not path or path == ":memory:":
            return 0
        return sum(p.stat().st_size for p in Path(path).parent.glob(Path(path).name + "*") if p.is_file())
    query = {
        "postgresql": "SELECT pg_database_size(current_database())",
        "mssql": "SELECT SUM(CAST(size AS BIGINT)) * 8192 FROM sys.database_files",
    }.get(dialect)
    if query is None:
        return 0
    try:
        return int(warehouse.scalar(sa.text(query)) or 0)
    except sa.exc.SQLAlchemyError as e:
        logger.warning("warehouse size not read: %s", e)
        return 0


def _rss_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # the peak, where /proc is missing


def measure(settings: Settings, warehouse: Warehouse) -> Usage:
    """This process's and the warehouse's resource use now."""
    rusage = resource.getrusage(resource.RUSAGE_SELF)
    backups = settings.backup_path
    backup_bytes = sum(p.stat().st_size for p in backups.glob("*") if p.is_file()) if backups.is_dir() else 0
    var_dir = Path(settings.var_dir)
    where = var_dir if var_dir.exists() else var_dir.parent
    return Usage(
        rss_bytes=_rss_bytes(),
        cpu_seconds=rusage.ru_utime + rusage.ru_stime,
        uptime_seconds=time.monotonic() - _started,
        load_1m=os.getloadavg()[0],
        cpus=os.cpu_count() or 1,
        warehouse_bytes=warehouse_bytes(warehouse),
        backup_bytes=backup_bytes,
        disk_free_bytes=shutil.disk_usage(where).free,
    )


def monthly_cost(settings: Settings, usage: Usage) -> list[CostLine]:
    """The month's estimated cost, line by line, from the unit prices in settings and the measured sizes."""
    vcpu, ram = settings.cost_web_vcpus, settings.cost_web_gib
    warehouse_gib = usage.warehouse_bytes / GIB
    backup_gib = usage.backup_bytes / GIB
    return [
        CostLine(
            "Web tier compute",
            f"{vcpu:g} vCPU × {HOURS_PER_MONTH:g} h × {settings.cost_vcpu_hour:g}",
            vcpu * HOURS_PER_MONTH * settings.cost_vcpu_hour,
        ),
        CostLine(
            "Web tier memory",
            f"{ram:g} GiB × {HOURS_PER_MONTH:g} h × {settings.cost_gib_ram_hour:g}",
            ram * HOURS_PER_MONTH * settings.cost_gib_ram_hour,
        ),
        CostLine("Warehouse database", "managed database compute, per month", settings.cost_database_month),
        CostLine(
            "Warehouse storage",
            f"{warehouse_gib:.2f} GiB × {settings.cost_storage_gib_month:g}",
            warehouse_gib * settings.cost_storage_gib_month,
        ),
        CostLine(
            "Backups",
            f"{backup_gib:.2f} GiB × {settings.cost_backup_gib_month:g}",
            backup_gib * settings.cost_backup_gib_month,
        ),
        CostLine(
            "Kafka (events)",
            "managed Kafka endpoint, per month" if settings.kafka_bootstrap else "embedded: no broker",
            settings.cost_kafka_month if settings.kafka_bootstrap else 0.0,
        ),
    ]
