"""Builders of the portal's summary tables (``warehouse.schema.summaries``), run inside the warehouse.

Pure statement builders plus functions that run them in the caller's transaction: the marts step rebuilds
``mart_sales_by_day`` after ``mart_sales`` (migration 0019 once for warehouses built before it), the score
step ``mart_action_summary`` after ``mart_customer_score`` and the analytics step ``mart_rfm_summary``
after ``mart_customer_rfm`` (migration 0023 builds both once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import (
    dim_customer,
    mart_action_summary,
    mart_customer_rfm,
    mart_customer_score,
    mart_rfm_summary,
    mart_sales,
    mart_sales_by_day,
)

logger = logging.getLogger(__name__)

SALES_DIMENSIONS: Final = ("region", "rep", "category", "segment")


def sales_by_day_statements(days: Sequence[dt.date] | None = None) -> list[sa.Executable]:
    """Empty ``mart_sales_by_day`` (only its rows of ``days``, when given), then one ``INSERT ... SELECT`` per
    dimension from mart_sales's day grain (of those days)."""
    s = mart_sales.c
    out: list[sa.Executable] = [mart_sales_by_day.delete()]
    only: sa.ColumnElement[bool] = sa.true()
    if days is not None:
        only = s.period_start.in_(days)
        out = [mart_sales_by_day.delete().where(mart_sales_by_day.c.day.in_(days))]
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
            .where(s.grain == "day", only)
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


def redo_sales_by_day(conn: Connection, days: Sequence[dt.date]) -> None:
    """Redo ``mart_sales_by_day``'s rows of ``days`` from ``mart_sales``."""
    if days:
        for statement in sales_by_day_statements(days):
            conn.execute(statement)


#: What the Actions page filters its summary on, as ``mart_action_summary`` columns.
ACTION_SUMMARY_GROUPS: Final = ("rep_key", "region", "rfm_segment", "m_score", "action")


def action_summary_statements() -> list[sa.Executable]:
    """Empty ``mart_action_summary``, then group every scored customer's next best action by what the page filters on."""
    s, c, r = mart_customer_score.c, dim_customer.c, mart_customer_rfm.c
    groups = (c.rep_key, c.region, r.segment, r.m_score, s.next_best_action)
    missing = (0, "", "", 0, None)  # the key is never NULL: no rep, region or RFM row under 0 / ''
    select: sa.Select[Any] = (
        sa.select(
            *(
                (g if none is None else sa.func.coalesce(g, none)).label(name)
                for g, none, name in zip(groups, missing, ACTION_SUMMARY_GROUPS, strict=True)
            ),
            sa.func.count().label("customers"),
            sa.func.coalesce(sa.func.round(sa.func.sum(s.action_value), 2), 0).label("value"),
        )
        .select_from(
            mart_customer_score.join(dim_customer, c.customer_key == s.customer_key).outerjoin(
                mart_customer_rfm, r.customer_key == s.customer_key
            )
        )
        .where(s.next_best_action.is_not(None))
        .group_by(*groups)
    )
    return [
        mart_action_summary.delete(),
        mart_action_summary.insert().from_select([*ACTION_SUMMARY_GROUPS, "customers", "value"], select),
    ]


def rebuild_action_summary(conn: Connection) -> int:
    """Rebuild ``mart_action_summary`` from the scores; returns its row count."""
    for statement in action_summary_statements():
        conn.execute(statement)
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(mart_action_summary)).scalar_one())
    logger.info("mart_action_summary rebuilt: %d rows", rows)
    return rows


def _mean(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column's average to 6 decimals: a float sum's last bits depend on the order rows are read in."""
    return sa.func.round(sa.cast(sa.func.avg(column), sa.Numeric(24, 6)), 6)


def rfm_summary_statements() -> list[sa.Executable]:
    """Empty ``mart_rfm_summary``, then group ``mart_customer_rfm`` by segment."""
    r = mart_customer_rfm.c
    select = sa.select(
        r.segment,
        sa.func.count().label("customers"),
        _mean(r.recency_days).label("recency_days"),
        _mean(r.frequency).label("frequency"),
        sa.func.round(sa.func.sum(r.monetary), 2).label("monetary"),
    ).group_by(r.segment)
    columns = ["segment", "customers", "recency_days", "frequency", "monetary"]
    return [mart_rfm_summary.delete(), mart_rfm_summary.insert().from_select(columns, select)]


def rebuild_rfm_summary(conn: Connection) -> int:
    """Rebuild ``mart_rfm_summary`` from the RFM mart; returns its row count."""
    for statement in rfm_summary_statements():
        conn.execute(statement)
    return int(conn.execute(sa.select(sa.func.count()).select_from(mart_rfm_summary)).scalar_one())
