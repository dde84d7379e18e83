"""Builders of the portal's summary tables (``warehouse.schema.summaries``), run inside the warehouse.

Pure statement builders plus one function that runs them in the caller's transaction; the marts step
calls it after ``mart_sales`` is rebuilt, and migration 0019 once for warehouses built before it.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import mart_sales, mart_sales_by_day

logger = logging.getLogger(__name__)

SALES_DIMENSIONS: Final = ("region", "rep", "category", "segment")


def sales_by_day_statements() -> list[sa.Executable]:
    """Empty ``mart_sales_by_day``, then one ``INSERT ... SELECT`` per dimension from mart_sales's day grain."""
    s = mart_sales.c
    out: list[sa.Executable] = [mart_sales_by_day.delete()]
    for dimension in SALES_DIMENSIONS:
        select: sa.Select[Any] = (
            sa.select(
                sa.literal(dimension, sa.String(10)).label("dimension"),
                s.period_start.label("day"),
                s[dimension].label("label"),
                # to the cent, as every backend adds: SQLite sums binary floats, PostgreSQL exact numerics
                sa.func.round(sa.func.sum(s.revenue), 2).label("revenue"),
                sa.func.sum(s.orders).label("orders"),
            )
            .where(s.grain == "day")
            .group_by(s.period_start, s[dimension])
        )
        out.append(
            mart_sales_by_day.insert().from_select(["dimension", "day", "label", "revenue", "orders"], select)
        )
    return out


def rebuild_sales_by_day(conn: Connection) -> int:
    """Rebuild ``mart_sales_by_day`` from ``mart_sales``; returns its row count."""
    for statement in sales_by_day_statements():
        conn.execute(statement)
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(mart_sales_by_day)).scalar_one())
    logger.info("mart_sales_by_day rebuilt: %d rows", rows)
    return rows
