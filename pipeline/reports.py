"""Scheduled reports: weekly and monthly PDFs per role, written under ``var/reports/<role>/<cadence>/``.

The scheduler runs :func:`write_due_reports` daily; it writes the reports of the last complete week
(Monday to Sunday) and month before the portal's today that are not there yet, so a missed day is
caught up and a re-run changes nothing. Each report reads the warehouse as a user of its role would
(the row and column policy applies); :func:`listed_reports` is what the Reports page shows a role.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from warehouse import audit
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.queries import latest_day

logger = logging.getLogger(__name__)

Cadence = Literal["weekly", "monthly"]
CADENCES: tuple[Cadence, ...] = ("weekly", "monthly")
#: The reports each role receives (weekly and monthly).
ROLE_REPORTS: dict[str, tuple[str, ...]] = {
    "manager": ("overview", "actions", "campaigns"),
    "admin": ("overview", "actions", "campaigns"),
    "analyst": ("overview", "campaigns"),
    "marketing": ("campaigns",),
}
FILE_NAME = re.compile(r"^(\d{4}-(?:W\d{2}|\d{2}))-(overview|actions|campaigns)\.pdf$")


@dataclass(frozen=True)
class ReportFile:
    """One written report as the Reports page lists it."""

    role: str
    cadence: Cadence
    period: str  # 2026-W47 or 2026-11
    name: str
    path: Path

    @property
    def url(self) -> str:
        return f"/reports/files/{self.role}/{self.cadence}/{self.path.name}"


def reports_dir(var_dir: Path) -> Path:
    return var_dir / "reports"


def last_complete(cadence: Cadence, today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The period key, first and last day of the last complete week or month up to ``today`` (included)."""
    if cadence == "weekly":
        end = today - dt.timedelta(days=(today.weekday() + 1) % 7)  # the last Sunday, today if Sunday
        start = end - dt.timedelta(days=6)
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}", start, end
    first_this = today.replace(day=1)
    tomorrow = today + dt.timedelta(days=1)
    end = today if tomorrow.day == 1 else first_this - dt.timedelta(days=1)
    start = end.replace(day=1)
    return f"{start:%Y-%m}", start, end


def write_due_reports(
    warehouse: Warehouse,
    var_dir: Path,
    render: Callable[[str, Warehouse, Viewer, dt.date, dt.date, dt.date], bytes],
    today: dt.date | None = None,
) -> list[Path]:
    """Write every report due and not yet written; returns the files written.

    ``render(name, warehouse, viewer, today, start, end)`` makes a report's PDF (the portal's builders,
    passed in so the pipeline does not import the portal).
    """
    today = today or latest_day(warehouse)
    if today is None:
        logger.info("reports: no sales data yet, nothing to report")
        return []
    written = []
    for role, names in ROLE_REPORTS.items():
        viewer = Viewer(f"scheduled {role} report", role)
        for cadence in CADENCES:
            period, start, end = last_complete(cadence, today)
            folder = reports_dir(var_dir) / role / cadence
            for name in names:
                path = folder / f"{period}-{name}.pdf"
                if path.exists():
                    continue
                folder.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".part")
                partial.write_bytes(render(name, warehouse, viewer, end, start, end))
                partial.replace(path)  # readers never see half a file
                audit.record(warehouse, "scheduler", "report.written", str(path.relative_to(var_dir)))
                written.append(path)
    logger.info("reports: %d written", len(written))
    return written


def listed_reports(var_dir: Path, role: str | None) -> list[ReportFile]:
    """The reports ``role`` may download (an administrator every role's), newest period first."""
    root = reports_dir(var_dir)
    roles = list(ROLE_REPORTS) if role == "admin" else [role] if role in ROLE_REPORTS else []
    found = []
    for who in roles:
        for cadence in CADENCES:
            folder = root / who / cadence
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                m = FILE_NAME.match(path.name)
                if m:
                    found.append(ReportFile(who, cadence, m[1], m[2], path))
    return sorted(found, key=lambda f: (f.period, f.role, f.cadence, f.name), reverse=True)


def report_path(
    var_dir: Path, viewer_role: str | None, role: str, cadence: str, filename: str
) -> Path | None:
    """The file behind a download link, or ``None`` when it does not exist or is not the viewer's to read."""
    if viewer_role != "admin" and viewer_role != role:
        return None
    if role not in ROLE_REPORTS or cadence not in CADENCES or not FILE_NAME.match(filename):
        return None
    path = reports_dir(var_dir) / role / cadence / filename
    return path if path.is_file() else None


__all__ = [
    "CADENCES",
    "ROLE_REPORTS",
    "ReportFile",
    "last_complete",
    "listed_reports",
    "report_path",
    "write_due_reports",
]
