"""The marts step on a built warehouse: a full rebuild against redoing only what core changed.

    python bench/marts_incremental.py --url sqlite:///$TMPDIR/c360-scale-incmarts/warehouses/c20000.db
                                      [--changed 0.01]

The warehouse is one ``bench/pipeline_scale.py`` (or ``python -m pipeline run``) left. Everything runs in
one transaction that is rolled back, so the warehouse is unchanged afterwards. The script plays the core
step's part: for ``--changed`` of the customers with sales it adds an invoice line on the calendar's last
day (in one round also changing the amount of each one's latest line, wherever in time it is), then
records those customers and days (``pipeline.changes``). Each round times the marts step redoing them,
then a full rebuild from the same core tables, and compares every mart row for row; the last rounds run
with the clock one day later (a new calendar day).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.changes import record_changes  # noqa: E402
from pipeline.steps.keys import date_key  # noqa: E402
from pipeline.steps.marts import build_marts  # noqa: E402
from warehouse.engine import Warehouse  # noqa: E402
from warehouse.schema import (  # noqa: E402
    dim_date,
    fact_sales_line,
    mart_customer_kpi,
    mart_kpi_daily,
    mart_lead_funnel,
    mart_sales,
    mart_sales_by_day,
    mart_sales_detail,
    ops_batch_run,
    ops_watermark,
)

MARTS = (
    mart_sales,
    mart_kpi_daily,
    mart_customer_kpi,
    mart_lead_funnel,
    mart_sales_detail,
    mart_sales_by_day,
)


def snapshot(conn: sa.Connection) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Every mart's rows by primary key."""
    out = {}
    for mart in MARTS:
        key = [c.name for c in mart.primary_key.columns]
        out[mart.name] = {
            tuple(r[k] for k in key): tuple(r.values()) for r in conn.execute(sa.select(mart)).mappings()
        }
    return out


def differences(a: dict[str, Any], b: dict[str, Any]) -> int:
    """Rows missing, extra or different (floats within 1e-9)."""
    count = 0
    for name, rows in b.items():
        mine = a[name]
        count += len(rows.keys() ^ mine.keys())
        for k in rows.keys() & mine.keys():
            same = (
                math.isclose(x, y, abs_tol=1e-9) if isinstance(x, float) and isinstance(y, float) else x == y
                for x, y in zip(mine[k], rows[k], strict=True)
            )
            count += not all(same)
    return count


def play_core(
    conn: sa.Connection, fraction: float, offset: int, day: dt.date, edit: bool
) -> tuple[set[int], set[int]]:
    """A new invoice line on ``day`` for ``fraction`` of the buyers (and, with ``edit``, their latest line's
    amount changed, on whatever day that was); returns the customers and date keys changed."""
    f = fact_sales_line.c
    buyers = sorted(conn.execute(sa.select(f.customer_key).where(f.customer_key > 0).distinct()).scalars())
    every = max(round(1 / fraction), 1)
    chosen = buyers[offset::every]
    days = {date_key(day)}
    for customer in chosen:
        latest = (
            conn.execute(
                sa.select(fact_sales_line)
                .where(f.customer_key == customer)
                .order_by(f.date_key.desc(), f.doc_key, f.line_no)
                .limit(1)
            )
            .mappings()
            .one()
        )
        if edit:
            key = {k: latest[k] for k in ("source", "doc_type", "doc_key", "line_no")}
            conn.execute(
                fact_sales_line.update()
                .where(*(f[k] == v for k, v in key.items()))
                .values(amount=f.amount + 1, doc_amount=f.doc_amount + 1)
            )
            days.add(latest["date_key"])
        new = dict(latest) | {
            "doc_key": f"BENCH-{offset}-{customer}",
            "line_no": 1,
            "date_key": date_key(day),
        }
        conn.execute(fact_sales_line.insert().values(new))
    return set(chosen), days


def ensure_day(conn: sa.Connection, day: dt.date) -> None:
    """The calendar has ``day``, as core extends it to today."""
    if conn.execute(sa.select(dim_date.c.day).where(dim_date.c.day == day)).first():
        return
    conn.execute(
        dim_date.insert().values(
            date_key=date_key(day),
            day=day,
            year=day.year,
            quarter=(day.month - 1) // 3 + 1,
            month=day.month,
            iso_week=day.isocalendar().week,
            day_of_week=day.isoweekday(),
            week_start=day - dt.timedelta(days=day.weekday()),
            month_start=day.replace(day=1),
            is_weekend=day.weekday() >= 5,
        )
    )


def timed(conn: sa.Connection, batch: int, today: dt.date) -> tuple[float, str]:
    tick = time.perf_counter()
    result = build_marts(conn, batch, today)
    return time.perf_counter() - tick, str(result.message)


def forget(conn: sa.Connection) -> None:
    """No record of what the marts applied: the next build is a full one."""
    conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "changes:marts"))


def against_full(conn: sa.Connection, label: str, batch: int, today: dt.date) -> None:
    """Time the marts step redoing what ``batch`` recorded, then a full rebuild; print both and compare."""
    redo, message = timed(conn, batch, today)
    redone = snapshot(conn)
    forget(conn)
    full, _ = timed(conn, batch + 1, today)
    diff = differences(redone, snapshot(conn))
    print(
        f"  {label}: redone {redo:6.2f} s ({message}); full rebuild {full:6.2f} s;"
        f" ratio {full / redo:5.1f}x; rows differing: {diff}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True, help="the warehouse (SQLAlchemy URL)")
    parser.add_argument("--changed", type=float, default=0.01, help="share of buyers whose sales change")
    args = parser.parse_args()
    warehouse = Warehouse.from_url(args.url)
    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        batch = int(conn.execute(sa.select(sa.func.max(ops_batch_run.c.batch_id))).scalar_one() or 0) + 1000
        today = conn.execute(sa.select(sa.func.max(dim_date.c.day))).scalar_one()
        customers = conn.execute(sa.select(sa.func.count()).select_from(mart_customer_kpi)).scalar_one()
        lines = conn.execute(sa.select(sa.func.count()).select_from(fact_sales_line)).scalar_one()
        print(f"{args.url}: {customers:,} customers, {lines:,} sales lines, calendar to {today}")
        forget(conn)
        full, message = timed(conn, batch, today)
        print(f"  full rebuild (the marts step before this change): {full:6.2f} s ({message})")

        share = f"{args.changed:.0%} of buyers"
        changed, days = play_core(conn, args.changed, 0, today, edit=False)
        record_changes(conn, batch + 1, changed, days)
        against_full(conn, f"same day, {share} ({len(changed):,}) with a new invoice", batch + 1, today)

        changed, days = play_core(conn, args.changed, 1, today, edit=True)
        record_changes(conn, batch + 3, changed, days)
        against_full(conn, f"same day, {share} with a new invoice and their latest edited", batch + 3, today)

        tomorrow = today + dt.timedelta(days=1)
        ensure_day(conn, tomorrow)
        someone = conn.execute(sa.select(sa.func.min(mart_customer_kpi.c.customer_key))).scalar_one()
        record_changes(conn, batch + 5, [someone], [])  # say, a new phone number: no sale changed
        against_full(conn, "a day later, one customer's details changed", batch + 5, tomorrow)

        changed, days = play_core(conn, args.changed, 2, tomorrow, edit=False)
        record_changes(conn, batch + 7, changed, days)
        against_full(conn, f"a day later, {share} with a new invoice", batch + 7, tomorrow)
        transaction.rollback()
    warehouse.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
