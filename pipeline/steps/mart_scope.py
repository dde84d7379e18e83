"""Which mart rows a set of changed customers and days reaches, as day spans and key chunks for SQL.

The marts step redoes only those rows (``pipeline.steps.marts``): the helpers here turn sets of days into
merged spans (a few ``BETWEEN`` tests instead of a long ``IN`` list) and sets of keys into chunks that stay
under every backend's limit on bound parameters.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from pipeline.steps.keys import date_key

logger = logging.getLogger(__name__)

CHUNK = 5_000  # keys per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters
ONE_DAY = dt.timedelta(days=1)

Span = tuple[dt.date, dt.date]  # first and last day, both included


def day_of(key: int) -> dt.date:
    """The day of a ``dim_date`` key (``YYYYMMDD``)."""
    return dt.date(key // 10_000, key // 100 % 100, key % 100)


def spans(days: Iterable[dt.date], before: int = 0, after: int = 0) -> list[Span]:
    """Each day widened to ``before`` days earlier and ``after`` days later, overlapping or touching spans merged."""
    merged: list[Span] = []
    for day in sorted(set(days)):
        first, last = day - dt.timedelta(days=before), day + dt.timedelta(days=after)
        if merged and first <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def every_day(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from ``first`` to ``last``, both included."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def periods(days: Iterable[dt.date]) -> dict[str, set[dt.date]]:
    """The day, week and month (by first day, as ``dim_date`` has them) each day falls in, per grain."""
    days = set(days)
    return {
        "day": days,
        "week": {d - dt.timedelta(days=d.weekday()) for d in days},
        "month": {d.replace(day=1) for d in days},
    }


def period_days(grain: str, starts: Iterable[dt.date]) -> list[Span]:
    """Every day of the periods of ``grain`` that begin on ``starts``, as merged spans."""
    covered: list[dt.date] = []
    for start in starts:
        end = {
            "day": start + ONE_DAY,
            "week": start + dt.timedelta(days=7),
            "month": (start + dt.timedelta(days=32)).replace(day=1),
        }[grain]
        covered.extend(start + dt.timedelta(days=i) for i in range((end - start).days))
    return spans(covered)


def in_spans(column: sa.ColumnElement[Any], found: Sequence[Span]) -> sa.ColumnElement[bool]:
    """``column`` (a date) in any of the spans; false when there is none."""
    return sa.or_(sa.false(), *(column.between(first, last) for first, last in found))


def keys_in_spans(column: sa.ColumnElement[Any], found: Sequence[Span]) -> sa.ColumnElement[bool]:
    """``column`` (a ``dim_date`` key) in any of the spans, so the fact tables' date index serves the test."""
    return sa.or_(sa.false(), *(column.between(date_key(a), date_key(b)) for a, b in found))


def chunks(keys: Iterable[int]) -> Iterator[list[int]]:
    """The keys, sorted, ``CHUNK`` at a time."""
    ordered = sorted(set(keys))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]
