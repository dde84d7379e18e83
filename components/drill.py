"""Drill-down state of a page's charts: where each hierarchy is drilled to, the date range and the comparison.

Pure: no Dash, no warehouse. A state round-trips through the URL query string (:func:`to_query` /
:func:`from_query`) so a drilled view can be shared and reloads to the same view. Three hierarchies:

* time: year (``2026``) → quarter (``2026-Q3``) → month (``2026-08``) → week (``W2026-08-03``, its
  Monday) → day (``2026-08-05``);
* place: region → rep → customer (its key);
* product: category → product.

Drilling one hierarchy filters the charts of the other two (the cross-filter).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlencode

logger = logging.getLogger(__name__)

Axis = Literal["time", "place", "product"]
AXES: tuple[Axis, ...] = ("time", "place", "product")
LEVELS: dict[Axis, tuple[str, ...]] = {
    "time": ("year", "quarter", "month", "week", "day"),
    "place": ("region", "rep", "customer"),
    "product": ("category", "product"),
}
Compare = Literal["previous_period", "previous_year", "none"]
COMPARES: dict[Compare, str] = {
    "previous_period": "vs previous period",
    "previous_year": "vs same period last year",
    "none": "no comparison",
}
DEFAULT_COMPARE: Compare = "previous_period"
DEFAULT_DAYS = 365
MAX_VALUE = 200  # longest accepted path value from a URL

_PATTERNS = (
    re.compile(r"^\d{4}$"),
    re.compile(r"^\d{4}-Q[1-4]$"),
    re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    re.compile(r"^W\d{4}-\d{2}-\d{2}$"),
    re.compile(r"^\d{4}-\d{2}-\d{2}$"),
)


@dataclass(frozen=True)
class DrillState:
    """One page's drill paths, date range and comparison."""

    start: dt.date
    end: dt.date
    compare: Compare = DEFAULT_COMPARE
    time: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    product: tuple[str, ...] = ()

    def path(self, axis: Axis) -> tuple[str, ...]:
        return tuple(getattr(self, axis))

    def level(self, axis: Axis) -> str | None:
        """The level the axis's chart shows (its children), ``None`` at the leaf."""
        depth = len(self.path(axis))
        levels = LEVELS[axis]
        return levels[depth] if depth < len(levels) else None

    def drill(self, axis: Axis, value: str) -> DrillState:
        """One level deeper on ``axis`` (nothing changes at the leaf or for a value of the wrong shape)."""
        path = self.path(axis)
        if len(path) >= len(LEVELS[axis]) or not valid_value(axis, len(path), value):
            return self
        return self._with(axis, (*path, value))

    def up(self, axis: Axis, depth: int) -> DrillState:
        """Back to ``depth`` levels on ``axis`` (0 = the top), as a breadcrumb does."""
        return self._with(axis, self.path(axis)[: max(0, depth)])

    def _with(self, axis: Axis, path: tuple[str, ...]) -> DrillState:
        if axis == "time":
            return replace(self, time=path)
        if axis == "place":
            return replace(self, place=path)
        return replace(self, product=path)

    def window(self) -> tuple[dt.date, dt.date]:
        """The dates every chart reads: the date range narrowed by the time path (may be empty: start > end)."""
        start, end = self.start, self.end
        for value in self.time:
            low, high = time_bounds(value)
            start, end = max(start, low), min(end, high)
        return start, end

    def comparison(self) -> tuple[dt.date, dt.date] | None:
        """The window compared against: the same length just before, or the same dates a year earlier."""
        start, end = self.window()
        if self.compare == "none" or start > end:
            return None
        if self.compare == "previous_year":
            return _year_earlier(start), _year_earlier(end)
        length = end - start + dt.timedelta(days=1)
        return start - length, end - length


def default_state(today: dt.date, days: int = DEFAULT_DAYS) -> DrillState:
    """The view a page opens with: the ``days`` days to ``today``, compared with the period before."""
    return DrillState(start=today - dt.timedelta(days=days - 1), end=today)


def valid_value(axis: Axis, depth: int, value: str) -> bool:
    """Whether ``value`` can be the ``depth``-th step of ``axis`` (times by shape, customers by number)."""
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE:
        return False
    if axis == "time":
        if not _PATTERNS[depth].match(value):
            return False
        try:
            time_bounds(value)
        except ValueError:
            return False
        return True
    if axis == "place" and depth == 2:
        return value.isdigit()
    return True


def time_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of a time path value (year, quarter, month, week or day)."""
    if re.fullmatch(r"\d{4}", value):
        year = int(value)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        year, quarter = int(m[1]), int(m[2])
        first = dt.date(year, 3 * quarter - 2, 1)
        return first, _month_end(dt.date(year, 3 * quarter, 1))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        first = dt.date(int(m[1]), int(m[2]), 1)
        return first, _month_end(first)
    if value.startswith("W"):
        monday = dt.date.fromisoformat(value[1:])
        if monday.weekday() != 0:
            raise ValueError(f"week {value!r} does not start on a Monday")
        return monday, monday + dt.timedelta(days=6)
    day = dt.date.fromisoformat(value)
    return day, day


def time_key(level: str, day: dt.date) -> str:
    """The path value of the ``level`` bucket holding ``day``: ``2026``, ``2026-Q3``, ``W2026-08-03`` ..."""
    if level == "year":
        return f"{day.year}"
    if level == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if level == "month":
        return f"{day:%Y-%m}"
    if level == "week":
        return f"W{day - dt.timedelta(days=day.weekday()):%Y-%m-%d}"
    return day.isoformat()


def time_label(value: str) -> str:
    """How a time path value reads on a chart or breadcrumb: ``Q3 2026``, ``Aug 2026``, ``Week of 3 Aug``."""
    if re.fullmatch(r"\d{4}-Q[1-4]", value):
        return f"{value[5:]} {value[:4]}"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return f"{dt.date(int(value[:4]), int(value[5:]), 1):%b %Y}"
    if value.startswith("W"):
        monday = dt.date.fromisoformat(value[1:])
        return f"Week of {monday.day} {monday:%b %Y}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = dt.date.fromisoformat(value)
        return f"{day:%a} {day.day} {day:%b %Y}"
    return value


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- URL round trip ---------------------------------------------------------------------------------


def to_query(state: DrillState) -> str:
    """The query string (with its ``?``) that :func:`from_query` reads back into ``state``."""
    params: list[tuple[str, str]] = [
        ("from", state.start.isoformat()),
        ("to", state.end.isoformat()),
        ("compare", state.compare),
    ]
    params += [(axis, "|".join(state.path(axis))) for axis in AXES if state.path(axis)]
    return "?" + urlencode(params)


def from_query(params: Mapping[str, Any], today: dt.date) -> DrillState:
    """The state a URL's query parameters describe; missing or malformed parts fall back to the defaults
    (a shared link never fails to open, it opens less drilled)."""
    state = default_state(today)
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start is not None and end is not None and start <= end:
        state = replace(state, start=start, end=end)
    compare = params.get("compare")
    if compare in COMPARES:
        state = replace(state, compare=compare)
    for axis in AXES:
        raw = params.get(axis)
        if not isinstance(raw, str) or not raw:
            continue
        for value in raw.split("|"):
            drilled = state.drill(axis, value)
            if drilled == state:
                logger.info("drill: ignored %s value %r from the URL", axis, value[:MAX_VALUE])
                break
            state = drilled
    return state


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# --- the store a page keeps the state in --------------------------------------------------------------


def to_store(state: DrillState) -> dict[str, Any]:
    """The state as JSON for a ``dcc.Store``."""
    return {
        "from": state.start.isoformat(),
        "to": state.end.isoformat(),
        "compare": state.compare,
        **{axis: list(state.path(axis)) for axis in AXES},
    }


def from_store(data: Mapping[str, Any] | None, today: dt.date) -> DrillState:
    """The state kept by :func:`to_store` (validated as a URL is: the store comes from the browser)."""
    if not data:
        return default_state(today)
    params = {k: data.get(k) for k in ("from", "to", "compare")}
    for axis in AXES:
        path = data.get(axis)
        if isinstance(path, list) and all(isinstance(v, str) for v in path):
            params[axis] = "|".join(path)
    return from_query(params, today)


def crumbs(state: DrillState, axis: Axis, names: Mapping[str, str] | None = None) -> list[tuple[int, str]]:
    """The breadcrumb trail of ``axis``: (depth to go back to, label), starting with the top ("All ...")."""
    top = {"time": "All years", "place": "All regions", "product": "All categories"}[axis]
    trail = [(0, top)]
    for depth, value in enumerate(state.path(axis), start=1):
        label = time_label(value) if axis == "time" else (names or {}).get(value, value)
        trail.append((depth, label))
    return trail


__all__ = [
    "AXES",
    "COMPARES",
    "LEVELS",
    "Axis",
    "Compare",
    "DrillState",
    "crumbs",
    "default_state",
    "from_query",
    "from_store",
    "time_bounds",
    "time_key",
    "time_label",
    "to_query",
    "to_store",
    "valid_value",
]
