"""The live board: the newest KPI record per key and the recent alerts, and what each portal user may see.

The listener feeds it (``docs/realtime.md`` gives the records); the portal asks :meth:`LiveBoard.snapshot`
once a second per signed-in user. Who sees what:

- managers, analysts and administrators: every KPI row and every alert;
- a sales rep: the ``rep`` rows of their own rep name and the alerts whose ``rep`` is theirs; nothing
  when their account is linked to no rep;
- marketing: the company totals (dimension ``all``) and the campaign budget alerts;
- anyone else (data stewards): the company totals only.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

MEASURES: tuple[str, ...] = ("revenue", "orders", "new_leads", "conversions", "active_customers", "events")
KEY_FIELDS: tuple[str, ...] = ("window", "window_start", "dimension", "dimension_value")
WINDOWS: frozenset[str] = frozenset({"1m", "1h", "1d"})
ALERT_FIELDS: tuple[str, ...] = ("alert_id", "rule", "severity")
FULL_VIEW_ROLES: frozenset[str] = frozenset({"manager", "analyst", "admin"})
REP_ROLE = "sales_rep"
CAMPAIGN_ROLES: frozenset[str] = frozenset({"marketing"})
CAMPAIGN_RULES: frozenset[str] = frozenset({"campaign_budget"})
SERIES_MINUTES = 30
ALERTS_SHOWN = 20
# How long records are kept after the newest window of their size: enough for the sparkline and today.
KEEP: dict[str, dt.timedelta] = {
    "1m": dt.timedelta(minutes=SERIES_MINUTES + 30),
    "1h": dt.timedelta(days=2),
    "1d": dt.timedelta(days=2),
}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

KpiKey = tuple[str, str, str, str]
Record = dict[str, Any]


class InvalidRecord(ValueError):
    """A KPI or alert record without a field the board needs."""


@dataclass(frozen=True)
class Viewer:
    """Who asks: their role and, for a sales rep, their rep's name as in ``dim_sales_rep.name``."""

    role: str
    rep: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role in FULL_VIEW_ROLES

    @property
    def scope(self) -> tuple[str, str] | None:
        """The (dimension, value) of this viewer's headline numbers; ``None`` when there is none."""
        if self.role == REP_ROLE:
            return ("rep", self.rep) if self.rep else None
        return ("all", "all")

    def may_see_kpi(self, record: Mapping[str, Any]) -> bool:
        if self.sees_everything:
            return True
        scope = self.scope
        return scope is not None and (record["dimension"], record["dimension_value"]) == scope

    def may_see_alert(self, alert: Mapping[str, Any]) -> bool:
        if self.sees_everything:
            return True
        if self.role == REP_ROLE:
            return self.rep is not None and alert.get("rep") == self.rep
        return self.role in CAMPAIGN_ROLES and alert.get("rule") in CAMPAIGN_RULES


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_time(text: str) -> dt.datetime:
    """A contract timestamp (``2026-12-04T10:15:00Z``, fractions allowed) as an aware UTC datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def kpi_key(record: Mapping[str, Any]) -> KpiKey:
    """The record's key (window, window_start, dimension, value), checked; raises :class:`InvalidRecord`."""
    missing = [f for f in KEY_FIELDS if not isinstance(record.get(f), str) or not record.get(f)]
    if missing:
        raise InvalidRecord(f"KPI record {dict(record)!r}: field {missing[0]!r} must be non-empty text")
    if record["window"] not in WINDOWS:
        raise InvalidRecord(f"KPI record {dict(record)!r}: field 'window' must be one of 1m, 1h, 1d")
    try:
        parse_time(record["window_start"])
    except ValueError as e:
        raise InvalidRecord(f"KPI record {dict(record)!r}: field 'window_start' is not a UTC time") from e
    return (record["window"], record["window_start"], record["dimension"], record["dimension_value"])


def check_alert(alert: Mapping[str, Any]) -> str:
    """The alert's id, after checking the fields the board needs; raises :class:`InvalidRecord`."""
    missing = [f for f in ALERT_FIELDS if not isinstance(alert.get(f), str) or not alert.get(f)]
    if missing:
        raise InvalidRecord(f"alert {dict(alert)!r}: field {missing[0]!r} must be non-empty text")
    return str(alert["alert_id"])


def _events(record: Mapping[str, Any]) -> int:
    """A KPI record's event count, which only grows within its window."""
    try:
        return int(record.get("events") or 0)
    except (TypeError, ValueError):
        return 0


def measures(record: Mapping[str, Any] | None) -> dict[str, float]:
    """The six measures of a KPI record as numbers (revenue is written as text with 2 decimals); zeros for none."""
    if record is None:
        return dict.fromkeys(MEASURES, 0.0)
    return {m: float(record.get(m) or 0) for m in MEASURES}


class LiveBoard:
    """Thread-safe, in memory: the newest record per KPI key and up to ``max_alerts`` alerts, newest first."""

    def __init__(self, max_alerts: int = 500, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self._lock = threading.Lock()
        self._kpis: dict[KpiKey, Record] = {}
        self._newest: dict[str, dt.datetime] = {}
        self._alerts: deque[Record] = deque()
        self._alert_ids: set[str] = set()
        self._max_alerts = max_alerts
        self._clock = clock
        self._version = 0
        self._updated: dt.datetime | None = None

    @property
    def version(self) -> int:
        """Grows with every record taken, so a caller can tell whether anything changed."""
        return self._version

    def add_kpis(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Keep each record as its key's newest value (each update carries the window's full value; one
        counting fewer events than the value held is older and is passed over).

        A record without its key is logged and skipped; returns how many were taken.
        """
        taken = 0
        with self._lock:
            for record in records:
                try:
                    key = kpi_key(record)
                except InvalidRecord as e:
                    logger.warning("live board skipped a record: %s", e)
                    continue
                held = self._kpis.get(key)
                if held is not None and _events(record) < _events(held):
                    continue  # an older value of the window (a topic read again from the start)
                self._kpis[key] = dict(record)
                start = parse_time(key[1])
                if start > self._newest.get(key[0], start - dt.timedelta(seconds=1)):
                    self._newest[key[0]] = start
                    self._prune(key[0])
                taken += 1
            self._version += taken
            if taken:
                self._updated = self._clock()
        return taken

    def add_alerts(self, alerts: Iterable[Mapping[str, Any]]) -> int:
        """Put new alerts first; an alert id already held is skipped (a replayed topic repeats them)."""
        taken = 0
        with self._lock:
            for alert in alerts:
                try:
                    alert_id = check_alert(alert)
                except InvalidRecord as e:
                    logger.warning("live board skipped an alert: %s", e)
                    continue
                if alert_id in self._alert_ids:
                    continue
                self._alerts.appendleft(dict(alert))
                self._alert_ids.add(alert_id)
                while len(self._alerts) > self._max_alerts:
                    self._alert_ids.discard(str(self._alerts.pop()["alert_id"]))
                taken += 1
            self._version += taken
            if taken:
                self._updated = self._clock()
        return taken

    def _prune(self, window: str) -> None:
        oldest = self._newest[window] - KEEP[window]
        stale = [k for k in self._kpis if k[0] == window and parse_time(k[1]) < oldest]
        for key in stale:
            del self._kpis[key]

    def kpi(self, window: str, window_start: str, dimension: str, value: str) -> Record | None:
        """One KPI record, or ``None``."""
        with self._lock:
            record = self._kpis.get((window, window_start, dimension, value))
            return dict(record) if record else None

    def snapshot(self, viewer: Viewer, now: dt.datetime | None = None) -> dict[str, Any]:
        """What ``viewer`` may see now, as JSON-ready data.

        ``updated_at``: when the board last took a record (``None``: never); ``today``: the viewer's
        headline measures in today's ``1d`` window (UTC); ``series``: their ``1m`` measures over the last
        30 minutes, oldest first, minutes without events as zeros; ``rows``: the today's ``1d`` rows they
        may see; ``alerts``: their newest alerts, newest first.
        """
        now = (now or self._clock()).astimezone(dt.UTC)
        day = format_time(now.replace(hour=0, minute=0, second=0, microsecond=0))
        minute = now.replace(second=0, microsecond=0)
        starts = [format_time(minute - dt.timedelta(minutes=n)) for n in range(SERIES_MINUTES - 1, -1, -1)]
        scope = viewer.scope
        with self._lock:
            version = self._version
            updated = self._updated
            rows = [
                dict(r)
                for k, r in self._kpis.items()
                if k[0] == "1d" and k[1] == day and viewer.may_see_kpi(r)
            ]
            today = self._kpis.get(("1d", day, *scope)) if scope else None
            series = [self._kpis.get(("1m", s, *scope)) if scope else None for s in starts]
            alerts = [dict(a) for a in self._alerts if viewer.may_see_alert(a)][:ALERTS_SHOWN]
        rows.sort(key=lambda r: (r["dimension"], r["dimension_value"]))
        return {
            "version": version,
            "as_of": format_time(now),
            "updated_at": format_time(updated) if updated else None,
            "day": day,
            "scope": list(scope) if scope else None,
            "today": measures(today),
            "series": [{"minute": s, **measures(r)} for s, r in zip(starts, series, strict=True)],
            "rows": rows,
            "alerts": alerts,
        }
