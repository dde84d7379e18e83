"""The facts the core step makes again: the old ones removed first, with the customers and days they were on.

Part of redoing only what changed (``pipeline.steps.core_redo``): facts of the redone staging rows, of rows
deleted since and of touched customers go, with the core's rejects of those rows; the calendar is filled over
the span the staging tables cover, as a full build fills it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.steps.core_delta import Delta, chunks, core_rejects
from pipeline.steps.facts import Staged, fill_dates, with_customer
from pipeline.steps.keys import date_key
from warehouse.schema import (
    fact_campaign_daily,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    stg_campaign_daily,
    stg_interaction,
    stg_payment,
    stg_reject,
    stg_sales_line,
)

ENTITIES = {"stg_sales_line": "SalesLine", "stg_payment": "Payment", "stg_interaction": "Interaction"}


def drop_facts(
    conn: Connection, staged: Staged, delta: Delta, campaigns: dict[tuple[Any, ...], int]
) -> tuple[set[int], set[int]]:
    """Remove the facts and rejects that are made again; returns the customers and days they were on."""
    gone = delta.deleted
    doc, single = ("source", "doc_type", "doc_key"), ("source", "source_key")
    keys = {
        fact_sales_line: (doc, _keys(staged.lines, gone, doc, stg_sales_line.name)),
        fact_payment: (single, _keys(staged.payments, gone, single, stg_payment.name)),
        fact_interaction: (single, _keys(staged.interactions, gone, single, stg_interaction.name)),
    }
    customers: set[int] = set()
    days: set[int] = set()
    for fact, (natural_columns, natural) in keys.items():
        columns = [fact.c[c] for c in natural_columns]
        conditions = [sa.tuple_(*columns).in_(list(chunk)) for chunk in chunks(sorted(natural))]
        conditions += [fact.c.customer_key.in_(chunk) for chunk in chunks(sorted(delta.customers))]
        for condition in conditions:
            for customer, day in conn.execute(
                sa.select(fact.c.customer_key, fact.c.date_key).where(condition)
            ):
                customers.add(customer)
                days.add(day)
            conn.execute(fact.delete().where(condition))
    daily = {
        (campaigns[(r["source"], r["campaign_source_key"])], date_key(day_of(r["day"])))
        for r in [*staged.daily.iter_rows(named=True), *gone.get(stg_campaign_daily.name, [])]
        if (r["source"], r["campaign_source_key"]) in campaigns
    }
    f = fact_campaign_daily
    for chunk in chunks(sorted(daily)):
        days.update(k for _, k in chunk)
        conn.execute(f.delete().where(sa.tuple_(f.c.campaign_key, f.c.date_key).in_(list(chunk))))
    _drop_rejects(conn, {fact.name: natural for fact, (_, natural) in keys.items()})
    return customers, days


def _keys(
    frame: pl.DataFrame, gone: dict[str, list[dict[str, Any]]], columns: tuple[str, ...], table: str
) -> set[tuple[Any, ...]]:
    found = set(frame.select(columns).unique().iter_rows()) if frame.height else set()
    return found | {tuple(r[c] for c in columns) for r in gone.get(table, [])}


def _drop_rejects(conn: Connection, natural: dict[str, set[tuple[Any, ...]]]) -> None:
    """The core's rejects of the rows made again go (the rows that are still rejects come back)."""
    docs = {(s, f"{d}/{k}") for s, d, k in natural[fact_sales_line.name]}
    single = {
        ENTITIES[stg.name]: {(s, k) for s, k in natural[fact.name]}
        for stg, fact in ((stg_payment, fact_payment), (stg_interaction, fact_interaction))
    }
    doomed = []
    for source, entity, key, rule in core_rejects(conn):
        head, _, tail = key.rpartition("/")
        if entity == ENTITIES[stg_sales_line.name]:
            hit = (source, key) in docs or (tail.isdigit() and (source, head) in docs)
        else:
            hit = (source, key) in single.get(entity, set())
        if hit:
            doomed.append({"s": source, "e": entity, "k": key, "r": rule})
    if doomed:
        r = stg_reject.c
        conn.execute(
            stg_reject.delete().where(
                (r.source == sa.bindparam("s"))
                & (r.entity == sa.bindparam("e"))
                & (r.record_key == sa.bindparam("k"))
                & (r.rule == sa.bindparam("r"))
            ),
            doomed,
        )


def day_of(value: Any) -> dt.date:
    """The day of a date, a timestamp or their ISO text (as ``stg_deletion`` keeps staged rows)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def fill_calendar(conn: Connection, today: dt.date) -> None:
    """``dim_date`` over every day from the earliest staged fact to the latest (or today), as a full build."""
    seen = [today]
    for column in (
        stg_sales_line.c.txn_date,
        stg_payment.c.txn_date,
        stg_campaign_daily.c.day,
        stg_interaction.c.occurred_at,
    ):
        low, high = conn.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
        seen.extend(day_of(v) for v in (low, high) if v is not None)
    first, last = min(seen), max(seen)
    fill_dates(conn, [first + dt.timedelta(days=i) for i in range((last - first).days + 1)])


def made(staged: Staged, xref: pl.DataFrame) -> tuple[set[int], set[int]]:
    """The customers and days of the facts made again (rejected rows among them: a few more)."""
    customers: set[int] = set()
    days: set[int] = set()
    for frame, source, day in (
        (staged.lines, "source", "txn_date"),
        (staged.payments, "source", "txn_date"),
        (staged.interactions, "customer_source", "occurred_at"),
    ):
        if frame.height:
            keyed = with_customer(frame, xref, source)
            customers.update(keyed["customer_key"].drop_nulls().to_list())
            days.update(date_key(day_of(v)) for v in frame[day].to_list())
    days.update(date_key(day_of(v)) for v in staged.daily["day"].to_list())
    return customers, days
