"""The facts the core step makes again: the old ones removed first, with the customers and days they were on.

Part of redoing only what changed (``pipeline.steps.core_redo``): facts of the redone staging rows, of rows
deleted since and of touched customers go, with the core's rejects of those rows; the calendar is filled over
the span the staging tables cover, as a full build fills it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.steps.core_delta import Delta, chunks, core_rejects, matching
from pipeline.steps.facts import Staged, fill_dates
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


@dataclass(frozen=True)
class Dropped:
    """The facts removed to be made again: every column of each (by fact table), the conditions that found
    them, and the days of the campaign facts among them."""

    rows: dict[str, set[tuple[Any, ...]]]
    conditions: dict[str, list[sa.ColumnElement[bool]]]
    campaign_days: set[int]


def drop_facts(
    conn: Connection, staged: Staged, delta: Delta, campaigns: dict[tuple[Any, ...], int]
) -> Dropped:
    """Remove the facts and rejects that are made again; returns what was removed."""
    gone = delta.deleted
    doc, single = ("source", "doc_type", "doc_key"), ("source", "source_key")
    keys = {
        fact_sales_line: (doc, _keys(staged.lines, gone, doc, stg_sales_line.name)),
        fact_payment: (single, _keys(staged.payments, gone, single, stg_payment.name)),
        fact_interaction: (single, _keys(staged.interactions, gone, single, stg_interaction.name)),
    }
    rows: dict[str, set[tuple[Any, ...]]] = {}
    found: dict[str, list[sa.ColumnElement[bool]]] = {}
    for fact, (natural_columns, natural) in keys.items():
        columns = [fact.c[c] for c in natural_columns]
        conditions = matching(columns, natural)
        conditions += [fact.c.customer_key.in_(chunk) for chunk in chunks(sorted(delta.customers))]
        rows[fact.name] = _rows(conn, fact, conditions)
        found[fact.name] = conditions
        for condition in conditions:
            conn.execute(fact.delete().where(condition))
    daily = {
        (campaigns[(r["source"], r["campaign_source_key"])], date_key(day_of(r["day"])))
        for r in [*staged.daily.iter_rows(named=True), *gone.get(stg_campaign_daily.name, [])]
        if (r["source"], r["campaign_source_key"]) in campaigns
    }
    f = fact_campaign_daily
    for condition in matching([f.c.campaign_key, f.c.date_key], daily):
        conn.execute(f.delete().where(condition))
    _drop_rejects(conn, {fact.name: natural for fact, (_, natural) in keys.items()})
    return Dropped(rows, found, {k for _, k in daily})


def changed_facts(conn: Connection, dropped: Dropped) -> tuple[set[int], set[int]]:
    """The customers and days of the facts that differ from those ``dropped`` (added, changed, moved or
    gone), read again once they are made: a customer whose phone changed has the same facts, and no day."""
    customers: set[int] = set()
    days = set(dropped.campaign_days)
    for fact in (fact_sales_line, fact_payment, fact_interaction):
        now = _rows(conn, fact, dropped.conditions[fact.name])
        names = list(fact.columns.keys())
        for row in now ^ dropped.rows[fact.name]:
            values = dict(zip(names, row, strict=True))
            customers.add(int(values["customer_key"]))
            days.add(int(values["date_key"]))
    return customers, days


def _rows(conn: Connection, fact: sa.Table, conditions: list[sa.ColumnElement[bool]]) -> set[tuple[Any, ...]]:
    return {tuple(r) for condition in conditions for r in conn.execute(sa.select(fact).where(condition))}


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
