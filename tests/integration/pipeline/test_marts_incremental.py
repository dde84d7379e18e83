"""The marts step redoes only the customers and days core changed, and its marts are then row for row what a
full rebuild from the same core tables gives: new, removed and moved sales, a customer's new segment, region
and rep, a new customer, and a clock one day later."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.changes import record_changes, record_everything
from pipeline.config import load_sources
from pipeline.runner import run_batch
from pipeline.steps.keys import date_key
from pipeline.steps.marts import build_marts
from tests.integration.pipeline.conftest import FIXED_NOW, FirstBatch, copy_demo, fixed_clock
from warehouse.engine import Warehouse
from warehouse.schema import (
    dim_customer,
    dim_date,
    dim_sales_rep,
    fact_sales_line,
    mart_customer_kpi,
    mart_kpi_daily,
    mart_lead_funnel,
    mart_sales,
    mart_sales_by_day,
    mart_sales_detail,
    ops_step_run,
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
TOMORROW = FIXED_NOW.date() + dt.timedelta(days=1)
REDONE = re.compile(r"^(\d+) customers and (\d+) days redone$")


def _marts(conn: sa.Connection) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Every mart's rows by primary key."""
    state = {}
    for mart in MARTS:
        key = [c.name for c in mart.primary_key.columns]
        rows = conn.execute(sa.select(mart)).mappings()
        state[mart.name] = {tuple(r[k] for k in key): tuple(r.values()) for r in rows}
    return state


def _same(value: Any, other: Any) -> bool:
    if isinstance(value, float) and isinstance(other, float):
        return math.isclose(value, other, rel_tol=0.0, abs_tol=1e-9)
    return bool(value == other)


def _differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """What differs between two states of the marts, row by row (empty: the same)."""
    out = []
    for name, rows in want.items():
        mine = got[name]
        out += [f"{name}: missing {k}" for k in rows.keys() - mine.keys()]
        out += [f"{name}: extra {k} {mine[k]}" for k in mine.keys() - rows.keys()]
        for k in rows.keys() & mine.keys():
            if not all(_same(a, b) for a, b in zip(mine[k], rows[k], strict=True)):
                out.append(f"{name}: {k} is {mine[k]}, a full rebuild gives {rows[k]}")
    return out


def _line(conn: sa.Connection, customer: int) -> dict[str, Any]:
    f = fact_sales_line.c
    query = sa.select(fact_sales_line).where(f.customer_key == customer).order_by(f.date_key, f.doc_key)
    return dict(conn.execute(query.limit(1)).mappings().one())


def _sell(conn: sa.Connection, like: dict[str, Any], doc: str, customer: int, day: dt.date) -> None:
    """A new invoice line, as core writes one from a new source document."""
    conn.execute(
        fact_sales_line.insert().values(
            like | {"doc_key": doc, "line_no": 1, "customer_key": customer, "date_key": date_key(day)}
        )
    )


def _play_core(conn: sa.Connection) -> tuple[set[int], set[int], dict[str, int]]:
    """Change the core tables as a batch would; returns the customers and date keys changed, and who is who."""
    f, c = fact_sales_line.c, dim_customer.c
    per = sa.select(f.customer_key, sa.func.count(sa.distinct(f.doc_key)).label("docs")).group_by(
        f.customer_key
    )
    docs = {k: n for k, n in conn.execute(per.where(f.customer_key > 0)) if k is not None}
    many = sorted(k for k, n in docs.items() if n >= 3)
    buyer, trimmed, merged, survivor, moved_group = many[:5]
    single = min(sorted(set(docs) - set(many[:5])), key=docs.__getitem__)  # the fewest invoices: all go
    who = {"buyer": buyer, "single": single, "merged": merged, "survivor": survivor, "moved": moved_group}
    days: set[int] = set()

    conn.execute(dim_date.insert().values(_calendar_day(TOMORROW)))  # core extends the calendar to today
    first = _line(conn, buyer)
    old_day = dt.date(first["date_key"] // 10_000, first["date_key"] // 100 % 100, first["date_key"] % 100)
    old_day -= dt.timedelta(days=10)  # before the buyer's first purchase, within the calendar
    _sell(conn, first, "T-OLD", buyer, old_day)
    _sell(conn, first, "T-NEW", buyer, TOMORROW)
    days |= {date_key(old_day), date_key(TOMORROW)}

    line = _line(conn, trimmed)  # one sales line removed
    conn.execute(
        fact_sales_line.delete().where(
            *(fact_sales_line.c[k] == line[k] for k in ("source", "doc_type", "doc_key"))
        )
    )
    days.add(line["date_key"])

    gone = conn.execute(sa.select(f.date_key).where(f.customer_key == single)).scalars().all()
    conn.execute(fact_sales_line.delete().where(f.customer_key == single))  # the customer's only invoice
    days |= set(gone)

    moved = conn.execute(sa.select(f.date_key).where(f.customer_key == merged)).scalars().all()
    conn.execute(fact_sales_line.update().where(f.customer_key == merged).values(customer_key=survivor))
    days |= set(moved)

    reps = conn.execute(sa.select(dim_sales_rep.c.rep_key).order_by(dim_sales_rep.c.rep_key)).scalars().all()
    conn.execute(
        dim_customer.update()
        .where(c.customer_key == moved_group)
        .values(segment="Moved segment", region="Moved region", rep_key=reps[-1])
    )

    newcomer = int(conn.execute(sa.select(sa.func.max(c.customer_key))).scalar_one()) + 1
    template = dict(conn.execute(sa.select(dim_customer).where(c.customer_key == buyer)).mappings().one())
    fields = {k: v for k, v in template.items() if k in dim_customer.c and not k.endswith("_hash")}
    conn.execute(dim_customer.insert().values(fields | {"customer_key": newcomer, "name": "Newcomer Ltd"}))
    _sell(conn, first, "T-FIRST", newcomer, old_day + dt.timedelta(days=3))
    days.add(date_key(old_day + dt.timedelta(days=3)))
    who["newcomer"] = newcomer
    return {buyer, trimmed, single, merged, survivor, moved_group, newcomer}, days, who


def _start_later(conn: sa.Connection, taken: set[int]) -> tuple[int, set[int]]:
    """A customer's purchases before a gap of 100 days removed: the first purchase moves past every changed
    day's 90-day reach. Returns the customer and the date keys changed."""
    f = fact_sales_line.c
    late, before_gap = _late_starter(conn, taken)
    early = (f.customer_key == late, f.date_key <= before_gap)
    days = set(conn.execute(sa.select(f.date_key).where(*early)).scalars())
    conn.execute(fact_sales_line.delete().where(*early))
    return late, days


def _late_starter(conn: sa.Connection, taken: set[int]) -> tuple[int, int]:
    """A customer whose purchases have a gap of more than 100 days, and the date key of the day before it."""
    f = fact_sales_line.c
    bought: dict[int, list[dt.date]] = {}
    query = sa.select(f.customer_key, dim_date.c.day).join(dim_date, dim_date.c.date_key == f.date_key)
    for customer, day in conn.execute(query.where(f.customer_key > 0).distinct()):
        bought.setdefault(customer, []).append(day)
    for customer in sorted(set(bought) - taken):
        days = sorted(bought[customer])
        gaps = [a for a, b in zip(days, days[1:], strict=False) if (b - a).days > 100]
        if gaps:
            return customer, date_key(gaps[0])
    raise AssertionError("the demo data has no customer with a gap of 100 days between purchases")


def _calendar_day(day: dt.date) -> dict[str, Any]:
    return {
        "date_key": date_key(day),
        "day": day,
        "year": day.year,
        "quarter": (day.month - 1) // 3 + 1,
        "month": day.month,
        "iso_week": day.isocalendar().week,
        "day_of_week": day.isoweekday(),
        "week_start": day - dt.timedelta(days=day.weekday()),
        "month_start": day.replace(day=1),
        "is_weekend": day.weekday() >= 5,
    }


def _forget(conn: sa.Connection) -> None:
    """No watermark for the marts' changes: the next build knows nothing of what it applied."""
    conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "changes:marts"))


def test_redoing_what_core_changed_gives_the_rows_of_a_full_rebuild(
    warehouse: Warehouse, first_batch: FirstBatch
) -> None:
    first_batch.copy_into(warehouse)
    s = ops_step_run.c
    assert warehouse.scalar(sa.select(s.message).where(s.step == "marts")) == "rebuilt in full"

    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        customers, days, who = _play_core(conn)
        record_changes(conn, 2, customers, days)
        result = build_marts(conn, 2, TOMORROW)
        redone = REDONE.match(result.message or "")
        assert redone, result.message
        assert len(customers) <= int(redone[1]) < 100, "the changed customers, and those tomorrow moves"
        redone_marts = _marts(conn)

        _forget(conn)
        assert build_marts(conn, 3, TOMORROW).message == "rebuilt in full"
        assert _differences(redone_marts, _marts(conn)) == []

        late, late_days = _start_later(conn, customers)  # the next batch: after a full one, redone again
        record_changes(conn, 4, [late], late_days)
        assert str(build_marts(conn, 4, TOMORROW).message).startswith("1 customers and ")
        redone_again = _marts(conn)
        _forget(conn)
        build_marts(conn, 5, TOMORROW)
        assert _differences(redone_again, _marts(conn)) == []
        transaction.rollback()

    kpi = redone_marts["mart_customer_kpi"]
    assert kpi[(who["newcomer"],)][1] == "Newcomer Ltd", "a new customer has their row"
    assert (who["merged"],) in kpi and kpi[(who["merged"],)][9] == 0, (
        "a merged-away customer has no orders left"
    )
    assert kpi[(who["moved"],)][4] == "Moved segment"
    assert redone_marts["mart_kpi_daily"][(TOMORROW,)][2] >= 1, "tomorrow's order is counted"


def test_everything_or_nothing_recorded_rebuilds_in_full_and_a_recorded_change_is_redone(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    sources = load_sources(copy_demo(demo_sources, tmp_path))
    first_batch.copy_into(warehouse)
    today = FIXED_NOW.date()
    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        before = _marts(conn)
        record_everything(conn, 2)
        assert build_marts(conn, 2, today).message == "rebuilt in full"
        assert _differences(_marts(conn), before) == []
        assert build_marts(conn, 3, today).message == "rebuilt in full", "core said nothing of batch 3"
        record_changes(conn, 4, [], [])
        assert build_marts(conn, 4, today).message == "0 customers and 0 days redone", "core changed nothing"
        someone = conn.execute(sa.select(sa.func.min(mart_customer_kpi.c.customer_key))).scalar_one()
        record_changes(conn, 5, [someone], [])
        result = build_marts(conn, 5, today)
        assert result.message == "1 customers and 0 days redone"
        assert result.rows_out > 0, "the customer's row and the lead funnel are written again"
        assert _differences(_marts(conn), before) == [], "nothing changed, nothing moves"
        transaction.rollback()
    assert run_batch(warehouse, sources, clock=fixed_clock, force=True).status == "succeeded"
    s = ops_step_run.c
    query = sa.select(s.message).where(s.step == "marts").order_by(s.batch_id.desc()).limit(1)
    assert warehouse.scalar(query) == "rebuilt in full", "core rebuilt everything: so do the marts"
