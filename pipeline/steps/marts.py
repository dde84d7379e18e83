"""Marts: the aggregates the portal and the API read, from the core facts and dimensions.

The step rebuilds every mart in full when core rebuilt everything or has not said what it changed since the
marts last caught up (``pipeline.changes``), or a customer was erased since the last build; otherwise it
redoes only the rows the customers and days core changed reach:

    mart_customer_kpi, mart_sales_detail   the changed customers' rows;
    mart_sales, mart_sales_by_day          the days, weeks and months holding a changed day, and those holding
                                           a sale of a customer whose region or segment changed;
    mart_kpi_daily                         a changed day and the 89 after it (active customers look back 90
                                           days), the old and new first-purchase days of the changed
                                           customers, and calendar days it does not have yet;
    mart_lead_funnel                       in full: it reads the staged leads, a few rows per lead.

A later day than the last build's moves what depends on today: recency and "active" are shifted in one
``UPDATE`` of every customer's row, and the customers with sales or interactions that left (or entered)
the 365- and 90-day windows in between are redone. How each row is computed is in
``pipeline.steps.mart_rows`` (which also defines the measures).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.changes import Changes, caught_up, changes_since
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.steps.drill_marts import sales_detail_rows
from pipeline.steps.mart_rows import (
    ACTIVE_DAYS,
    UNASSIGNED,
    UNKNOWN,
    buys_select,
    customer_kpis,
    daily_select,
    kpi_daily,
    kpi_rows,
    lead_funnel,
    sales_frame,
    sales_rows,
    sales_select,
)
from pipeline.steps.mart_scope import (
    chunks,
    day_of,
    every_day,
    in_spans,
    keys_in_spans,
    period_days,
    periods,
    spans,
)
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.privacy.requests import erasure_count
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    dim_date,
    fact_interaction,
    fact_sales_line,
    mart_customer_kpi,
    mart_kpi_daily,
    mart_lead_funnel,
    mart_sales,
    mart_sales_detail,
)
from warehouse.summaries import rebuild_sales_by_day, redo_sales_by_day

logger = logging.getLogger(__name__)

MARTS = (mart_sales, mart_kpi_daily, mart_customer_kpi, mart_lead_funnel, mart_sales_detail)
STEP = "marts"
STAMP = "marts:built"  # the day the marts were last built for, and how many erasures there were then
YEAR_DAYS = 364  # revenue_365d counts the day 364 days ago and every day after


def build_marts(conn: Connection, batch_id: int, today: dt.date) -> StepResult:
    """Bring every mart up to date in the caller's transaction: in full, or only what core changed."""
    erasures = str(erasure_count(conn))  # an erasure rewrites mart rows in place
    changes = changes_since(conn, STEP, batch_id)
    built = get_watermark(conn, STAMP).split("|")
    if changes is None or built[-1] != erasures or not _has_marts(conn):
        result = _rebuild(conn, today)
    else:
        result = _redo(conn, changes, today, dt.date.fromisoformat(built[0]))
    set_watermark(conn, STAMP, f"{today.isoformat()}|{erasures}", batch_id)
    caught_up(conn, STEP, batch_id)
    return result


def _has_marts(conn: Connection) -> bool:
    """Both the calendar mart and the facts have rows (without sales the marts are simply rebuilt)."""
    built = conn.execute(sa.select(mart_kpi_daily.c.day).limit(1)).first()
    sold = conn.execute(sa.select(fact_sales_line.c.date_key).limit(1)).first()
    return built is not None and sold is not None


def _rebuild(conn: Connection, today: dt.date) -> StepResult:
    """Every mart from every fact."""
    for mart in MARTS:
        conn.execute(mart.delete())
    sales = sales_frame(conn)
    days = read_frame(conn, sa.select(dim_date.c.day).order_by(dim_date.c.day))["day"]
    counts = {
        "mart_sales": insert_rows(conn, mart_sales, sales_rows(sales).to_dicts()),
        "mart_kpi_daily": insert_rows(conn, mart_kpi_daily, kpi_daily(sales, days).to_dicts()),
        "mart_customer_kpi": insert_rows(conn, mart_customer_kpi, customer_kpis(conn, sales, today)),
        "mart_lead_funnel": insert_rows(conn, mart_lead_funnel, lead_funnel(conn)),
        "mart_sales_detail": insert_rows(conn, mart_sales_detail, sales_detail_rows(sales)),
    }
    rebuild_sales_by_day(conn)  # the portal's per-member daily sales, summed from mart_sales in SQL
    return _result(sales.height, counts, "rebuilt in full")


def _redo(conn: Connection, changes: Changes, today: dt.date, built: dt.date) -> StepResult:
    """Only the mart rows the changed customers and days reach (see the module's docstring)."""
    days = {day_of(k) for k in changes.days}
    customers = (set(changes.customers) | _shift_today(conn, built, today)) - {UNIDENTIFIED_CUSTOMER_KEY}
    before = _kpi_state(conn, customers)
    read, counts = _redo_customers(conn, customers, set(changes.customers), today)
    after = _kpi_state(conn, customers)
    sale_days = days | _sale_days(conn, _changed(before, after, customers, slice(1, 3)))
    counts["mart_sales"] = _redo_sales(conn, sale_days)
    redo_sales_by_day(conn, sorted(sale_days))
    moved = _changed(before, after, customers, slice(0, 1))
    firsts = {state[k][0] for state in (before, after) for k in moved if k in state and state[k][0]}
    counts["mart_kpi_daily"], redone = _redo_kpi_daily(conn, days, firsts)
    conn.execute(mart_lead_funnel.delete())
    counts["mart_lead_funnel"] = insert_rows(conn, mart_lead_funnel, lead_funnel(conn))
    message = f"{len(customers)} customers and {len(redone | sale_days)} days redone"
    return _result(read, counts, message)


def _result(rows_in: int, counts: dict[str, int], message: str) -> StepResult:
    logger.info("marts %s", message)
    return StepResult(
        rows_in=rows_in,
        rows_out=sum(counts.values()),
        lineage={("fact_sales_line", name): n for name, n in counts.items() if name != "mart_lead_funnel"}
        | {("stg_customer", "mart_lead_funnel"): counts["mart_lead_funnel"]},
        message=message,
    )


def _shift_today(conn: Connection, built: dt.date, today: dt.date) -> set[int]:
    """Move recency and "active" to ``today``; returns the customers whose 365- or 90-day sums changed."""
    shift = (today - built).days
    if not shift:
        return set()
    k = mart_customer_kpi.c
    recency = k.recency_days + shift
    conn.execute(
        mart_customer_kpi.update()
        .where(k.recency_days.is_not(None))
        .values(recency_days=recency, is_active=recency < ACTIVE_DAYS)  # last purchase after today - 90
    )
    year = sorted((built - dt.timedelta(days=YEAR_DAYS), today - dt.timedelta(days=YEAR_DAYS)))
    f = fact_sales_line.c
    sold = sa.select(f.customer_key).where(
        keys_in_spans(f.date_key, [(year[0], year[1] - dt.timedelta(days=1))])
    )
    quarter = sorted(
        dt.datetime.combine(d - dt.timedelta(days=ACTIVE_DAYS), dt.time()) for d in (built, today)
    )
    i = fact_interaction.c
    touched = sa.select(i.customer_key).where(i.occurred_at >= quarter[0], i.occurred_at < quarter[1])
    return set(conn.execute(sold.union(touched)).scalars())


def _kpi_state(conn: Connection, customers: set[int]) -> dict[int, tuple[Any, ...]]:
    """Each customer's first purchase, region and segment as ``mart_customer_kpi`` has them now."""
    k = mart_customer_kpi.c
    state: dict[int, tuple[Any, ...]] = {}
    for chunk in chunks(customers):
        query = sa.select(
            k.customer_key,
            k.first_purchase,
            sa.func.coalesce(k.region, UNKNOWN),
            sa.func.coalesce(k.segment, UNASSIGNED),
        ).where(k.customer_key.in_(chunk))
        state |= {row[0]: tuple(row[1:]) for row in conn.execute(query)}
    return state


def _changed(
    before: dict[int, tuple[Any, ...]], after: dict[int, tuple[Any, ...]], customers: set[int], part: slice
) -> set[int]:
    """The customers whose ``part`` of the state differs (one missing on either side counts as a change)."""
    return {
        k
        for k in customers
        if (before[k][part] if k in before else None) != (after[k][part] if k in after else None)
    }


def _redo_customers(
    conn: Connection, customers: set[int], changed: set[int], today: dt.date
) -> tuple[int, dict[str, int]]:
    """The customer marts' rows of ``customers`` (the sales detail only of those whose facts may have changed)."""
    read, counts = 0, {"mart_customer_kpi": 0, "mart_sales_detail": 0}
    for chunk in chunks(customers):
        sales = sales_frame(conn, fact_sales_line.c.customer_key.in_(chunk))
        read += sales.height
        conn.execute(mart_customer_kpi.delete().where(mart_customer_kpi.c.customer_key.in_(chunk)))
        rows = customer_kpis(conn, sales, today, chunk)
        counts["mart_customer_kpi"] += insert_rows(conn, mart_customer_kpi, rows)
        detail = [k for k in chunk if k in changed]
        conn.execute(mart_sales_detail.delete().where(mart_sales_detail.c.customer_key.in_(detail)))
        mine = sales.filter(pl.col("customer_key").is_in(detail))
        counts["mart_sales_detail"] += insert_rows(conn, mart_sales_detail, sales_detail_rows(mine))
    return read, counts


def _sale_days(conn: Connection, customers: set[int]) -> set[dt.date]:
    """Every day ``customers`` bought on: their sales moved to another region or segment group."""
    found: set[dt.date] = set()
    f, d = fact_sales_line.c, dim_date.c
    for chunk in chunks(customers):
        query = sa.select(d.day).join_from(fact_sales_line, dim_date, d.date_key == f.date_key)
        found |= set(conn.execute(query.where(f.customer_key.in_(chunk)).distinct()).scalars())
    return found


def _redo_sales(conn: Connection, days: set[dt.date]) -> int:
    """``mart_sales`` for every period holding one of ``days``, grouped in the warehouse; returns rows written."""
    s, written = mart_sales.c, 0
    if not days:
        return 0
    for grain, starts in periods(days).items():
        redone = sa.and_(s.grain == grain, s.period_start.in_(sorted(starts)))
        conn.execute(mart_sales.delete().where(redone))
        lines = keys_in_spans(fact_sales_line.c.date_key, period_days(grain, starts))
        conn.execute(mart_sales.insert().from_select([c.name for c in s], sales_select(grain, lines)))
        written += int(conn.execute(sa.select(sa.func.count()).where(redone)).scalar_one())
    return written


def _redo_kpi_daily(conn: Connection, days: set[dt.date], firsts: set[dt.date]) -> tuple[int, set[dt.date]]:
    """``mart_kpi_daily`` for the days a change reaches; returns the rows written and the days redone."""
    calendar = set(conn.execute(sa.select(dim_date.c.day)).scalars())
    held = set(conn.execute(sa.select(mart_kpi_daily.c.day)).scalars())
    reach = {d for first, last in spans(days, after=ACTIVE_DAYS - 1) for d in every_day(first, last)}
    redo = (reach | firsts | (calendar - held)) & calendar
    gone = held - calendar
    conn.execute(mart_kpi_daily.delete().where(in_spans(mart_kpi_daily.c.day, spans(redo | gone))))
    if not redo:
        return 0, set()
    date = fact_sales_line.c.date_key
    daily = read_frame(conn, daily_select(keys_in_spans(date, spans(redo))))
    buys = read_frame(conn, buys_select(keys_in_spans(date, spans(redo, before=ACTIVE_DAYS - 1))))
    c = mart_customer_kpi.c
    first = read_frame(
        conn,
        sa.select(c.first_purchase.label("day"), sa.func.count().label("new_customers"))
        .where(in_spans(c.first_purchase, spans(redo)))
        .group_by(c.first_purchase),
    )
    rows = kpi_rows(pl.Series("day", sorted(redo), dtype=pl.Date), daily, first, buys)
    return insert_rows(conn, mart_kpi_daily, rows.to_dicts()), redo
