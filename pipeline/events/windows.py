"""Tumbling event-time windows (1m, 1h, 1d) and the KPI measures kept per window and dimension value.

Times are integer microseconds since the epoch (UTC). A window counts an event while the newest event time
seen is before the window's end plus its grace; after that the window is closed and forgotten.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.events.records import KpiRecord

logger = logging.getLogger(__name__)

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Window:
    """A tumbling window size and how long after its end a late event still counts."""

    name: str
    size: int
    grace: int

    def start(self, at: int) -> int:
        return at - at % self.size

    def closes(self, start: int) -> int:
        """The newest event time at which the window starting at ``start`` no longer counts events."""
        return start + self.size + self.grace


WINDOWS = (Window("1m", MINUTE, 5 * MINUTE), Window("1h", HOUR, HOUR), Window("1d", DAY, DAY))
#: The window that closes last for any event (its UTC day): after that, an event counts nowhere.
LONGEST = WINDOWS[-1]
DIMENSIONS = ("all", "rep", "region", "channel")


@lru_cache(maxsize=4096)  # a few boundaries are formatted for every event
def format_time(at: int) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` for a window boundary."""
    return (EPOCH + dt.timedelta(microseconds=at)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Measures:
    """The running measures of one window and dimension value."""

    revenue_cents: int = 0
    orders: int = 0
    new_leads: int = 0
    conversions: int = 0
    events: int = 0
    customers: set[int] = field(default_factory=set)

    def add(self, event_type: str, stage: str | None, cents: int, customer_key: int | None) -> None:
        self.events += 1
        if event_type == "order_placed":
            self.orders += 1
            self.revenue_cents += cents
        elif event_type == "lead_created":
            self.new_leads += 1
        elif event_type == "lead_moved" and stage == "won":
            self.conversions += 1
        if customer_key is not None:
            self.customers.add(customer_key)


@dataclass(frozen=True)
class Counted:
    """What the windows need to know of one enriched event."""

    at: int
    event_type: str
    stage: str | None
    cents: int
    customer_key: int | None
    dimensions: tuple[tuple[str, str], ...]  # (dimension, value) for every dimension


class WindowStore:
    """Open windows and their measures per dimension value; closed windows are dropped."""

    def __init__(self, windows: Iterable[Window] = WINDOWS) -> None:
        self.windows = tuple(windows)
        self._open: dict[tuple[Window, int], dict[tuple[str, str], Measures]] = {}

    def add(self, event: Counted, newest: int) -> list[KpiRecord]:
        """Count ``event`` in every window still open at ``newest``; returns the records it updated."""
        updated = []
        for window in self.windows:
            start = window.start(event.at)
            if window.closes(start) <= newest:
                continue
            cells = self._open.setdefault((window, start), {})
            for dimension in event.dimensions:
                measures = cells.setdefault(dimension, Measures())
                measures.add(event.event_type, event.stage, event.cents, event.customer_key)
                updated.append(_record(window, start, dimension, measures))
        return updated

    def close(self, newest: int) -> int:
        """Forget the windows closed at ``newest``; returns how many were dropped."""
        closed = [key for key in self._open if key[0].closes(key[1]) <= newest]
        for key in closed:
            del self._open[key]
        if closed:
            logger.debug("closed %d windows", len(closed))
        return len(closed)

    def records(self) -> Iterator[KpiRecord]:
        for (window, start), cells in self._open.items():
            for dimension, measures in cells.items():
                yield _record(window, start, dimension, measures)

    @property
    def open_windows(self) -> int:
        return len(self._open)


def _record(window: Window, start: int, dimension: tuple[str, str], m: Measures) -> KpiRecord:
    return KpiRecord(
        window=window.name,
        window_start=format_time(start),
        window_end=format_time(start + window.size),
        dimension=dimension[0],
        dimension_value=dimension[1],
        revenue_cents=m.revenue_cents,
        orders=m.orders,
        new_leads=m.new_leads,
        conversions=m.conversions,
        active_customers=len(m.customers),
        events=m.events,
    )
