"""The core step redoing only what changed (``pipeline.steps.core_delta``), giving the rows a full build gives.

Touched customers get their golden rows (``dim_customer``, ``golden_field``) built again, or removed when
their key was retired; the facts and rejects of their records and of every staging row changed since are
removed and made again from staging. Products and campaigns are written whole (a few thousand rows); reps,
channels and places only gain the new names the redone rows bring (names never leave them in a full build
either), and the calendar is filled over the span the staging tables cover.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.changes import record_changes, record_everything
from pipeline.money import home_currency
from pipeline.ops import StepResult
from pipeline.steps import dims
from pipeline.steps.core_delta import (
    Delta,
    Record,
    chunks,
    customers_now,
    golden_moved,
    matching,
    records_of,
    staged_since,
)
from pipeline.steps.core_facts import changed_facts, drop_facts, fill_calendar
from pipeline.steps.facts import Dimensions, Staged, quarantined, with_customer, write_facts
from pipeline.steps.golden import (
    Ties,
    canonical,
    dim_customer_rows,
    golden_customers,
    names,
    unidentified_row,
)
from pipeline.steps.keys import stable_keys
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_SOURCE_KEY,
    core_member,
    customer_xref,
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_product,
    golden_field,
    stg_campaign,
    stg_campaign_daily,
    stg_interaction,
    stg_payment,
    stg_product,
    stg_sales_line,
)
from warehouse.schema.types import KEY, SOURCE

logger = logging.getLogger(__name__)

MAX_SHARE = 0.2  # above this share of customers touched, a full build is as quick: do that instead


def redo_changed(
    conn: Connection,
    batch_id: int,
    today: dt.date,
    delta: Delta,
    marks: dict[str, int],
    rep_names: dict[str, str],
    books: dict[str, dict[str, str]],
    words: dict[str, dict[str, int]],
) -> tuple[StepResult, Ties] | str:
    """Redo what ``delta`` names (``marks``: the stage watermarks of the last build); returns what the step
    did and the ties of the customers worked out again, or why a full build is the better course (then
    nothing was written)."""
    checked: Ties = {}
    if delta.suspects:
        _, provenance, checked = golden_customers(conn, rep_names, words, keys=delta.suspects)
        delta.customers |= golden_moved(conn, provenance, delta.suspects)
        checked = {k: v for k, v in checked.items() if k not in delta.customers}
    total = customers_now(conn)
    if len(delta.customers) > MAX_SHARE * max(total, 1):
        return f"{len(delta.customers)} of {total} customers changed"
    products_staged = [
        tuple(r) for r in conn.execute(sa.select(stg_product.c.source, stg_product.c.source_key))
    ]
    campaign_frame = read_frame(conn, sa.select(stg_campaign))
    campaigns_staged = list(zip(campaign_frame["source"], campaign_frame["source_key"], strict=True))
    if dims.dropped(conn, products_staged, dim_product) or dims.dropped(conn, campaigns_staged, dim_campaign):
        return "products or campaigns left staging"
    new_products = set(products_staged) - _held(conn, dim_product)
    new_campaigns = set(campaigns_staged) - _held(conn, dim_campaign)
    records = records_of(conn, delta.customers) | set(delta.moved)
    staged = _changed_rows(conn, marks, records, new_products, new_campaigns)
    staged = Staged(canonical(staged.lines, rep_names), staged.payments, staged.interactions, staged.daily)
    xref = _xref_of(conn, staged)

    golden, provenance, ties = golden_customers(conn, rep_names, words, keys=delta.customers)
    reps, geos = dims.reps_and_places(conn, golden, staged.lines)
    products = dims.products(conn, in_place=True)
    channels = stable_keys(
        conn,
        dim_channel,
        "channel_key",
        ["name"],
        names(staged.lines["channel"], staged.interactions["channel"], campaign_frame["channel"]),
    )
    campaigns = dims.campaigns(conn, campaign_frame, channels, in_place=True)

    dropped = drop_facts(conn, staged, delta, campaigns.keys)
    buyers = set(with_customer(staged.lines, xref)["customer_key"].drop_nulls().to_list())
    customers = dim_customer_rows(golden, reps, geos, buyers)
    for chunk in chunks(sorted(delta.customers)):
        conn.execute(golden_field.delete().where(golden_field.c.customer_key.in_(chunk)))
        conn.execute(dim_customer.delete().where(dim_customer.c.customer_key.in_(chunk)))
    insert_rows(conn, dim_customer, customers)
    insert_rows(conn, golden_field, provenance)
    also = _unidentified(conn) | (_every_buyer(conn) if delta.every_buyer else set())
    fill_calendar(conn, today)
    rep_of = _customer_reps(conn, xref, {c["customer_key"]: c["rep_key"] for c in customers})
    facts = write_facts(
        conn,
        staged,
        xref,
        Dimensions(products.keys, reps, channels, campaigns.keys, rep_of),
        home_currency(),
        books,
    )
    _move_members(conn, delta.moved)
    changed_customers, days = changed_facts(conn, dropped)
    record_changes(conn, batch_id, delta.customers | also | changed_customers, days)
    if products.changed or campaigns.changed:  # marts and analytics group facts by these: all of them moved
        record_everything(conn, batch_id)
    redone = sum(facts.values())
    return StepResult(
        rows_in=staged.lines.height,
        rows_out=len(customers) + redone,
        rows_rejected=quarantined(conn),
        lineage={("stg_customer", "dim_customer"): len(customers), **facts},
        message=f"{len(delta.customers)} of {total} customers and {redone} facts redone",
    ), checked | ties


def _held(conn: Connection, table: sa.Table) -> set[Record]:
    return {(r.source, r.source_key) for r in conn.execute(sa.select(table.c.source, table.c.source_key))}


def _records_table(conn: Connection, records: set[Record]) -> sa.Table:
    """A temporary table of ``records``, to pick their staging rows in one pass over each table."""
    table = sa.Table(
        "tmp_core_record",
        sa.MetaData(),
        sa.Column("source", SOURCE, primary_key=True),
        sa.Column("source_key", KEY, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    table.drop(conn, checkfirst=True)
    table.create(conn)
    rows = [{"source": s, "source_key": k} for s, k in sorted(records)]
    for chunk in chunks(rows, 5000):
        conn.execute(table.insert(), list(chunk))
    return table


def _changed_rows(
    conn: Connection,
    marks: dict[str, int],
    records: set[Record],
    new_products: set[tuple[Any, ...]],
    new_campaigns: set[tuple[Any, ...]],
) -> Staged:
    """The staging rows whose facts are made again: staged since the marks, of the records, or of products and
    campaigns new to their dimension (their facts were kept out before)."""
    tmp = _records_table(conn, records)
    of_records = sa.select(tmp.c.source, tmp.c.source_key)
    frames = []
    for table, customer, extra in (
        (stg_sales_line, "source", ("product_source_key", new_products)),
        (stg_payment, "source", None),
        (stg_interaction, "customer_source", None),
    ):
        of_them = sa.tuple_(table.c[customer], table.c.customer_source_key).in_(of_records)
        where: sa.ColumnElement[bool] = staged_since(table, marks) | of_them
        if extra and extra[1]:
            where = where | sa.tuple_(table.c.source, table.c[extra[0]]).in_(sorted(extra[1]))
        frames.append(read_frame(conn, sa.select(table).where(where)))
    d = stg_campaign_daily
    where = staged_since(d, marks)
    if new_campaigns:
        where = where | sa.tuple_(d.c.source, d.c.campaign_source_key).in_(sorted(new_campaigns))
    frames.append(read_frame(conn, sa.select(d).where(where)))
    tmp.drop(conn)
    return Staged(*frames)


def _xref_of(conn: Connection, staged: Staged) -> pl.DataFrame:
    """The cross-reference rows of the customer records the staging rows point at."""
    wanted: set[Record] = set()
    for frame, source in (
        (staged.lines, "source"),
        (staged.payments, "source"),
        (staged.interactions, "customer_source"),
    ):
        wanted.update(zip(frame[source].to_list(), frame["customer_source_key"].to_list(), strict=True))
    x = customer_xref
    rows: list[tuple[Any, ...]] = []
    for condition in matching([x.c.source, x.c.source_key], wanted):
        query = sa.select(x.c.source, x.c.source_key, x.c.customer_key).where(condition)
        rows.extend(tuple(r) for r in conn.execute(query))
    schema = {"source": pl.String, "source_key": pl.String, "customer_key": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _unidentified(conn: Connection) -> set[int]:
    """The unidentified customer's row is there exactly while sales without a customer are staged."""
    s, c = stg_sales_line.c, dim_customer.c
    wanted = conn.execute(
        sa.select(s.source).where(s.customer_source_key == UNIDENTIFIED_SOURCE_KEY).limit(1)
    ).first()
    held = conn.execute(sa.select(c.customer_key).where(c.customer_key == UNIDENTIFIED_CUSTOMER_KEY)).first()
    if wanted and not held:
        insert_rows(conn, dim_customer, [unidentified_row()])
    elif held and not wanted:
        conn.execute(dim_customer.delete().where(c.customer_key == UNIDENTIFIED_CUSTOMER_KEY))
    return {UNIDENTIFIED_CUSTOMER_KEY} if bool(wanted) != bool(held) else set()


def _every_buyer(conn: Connection) -> set[int]:
    """Set ``is_customer`` of every customer from the staged sales lines; returns the customers it changed."""
    t, x = stg_sales_line, customer_xref
    bought = sa.select(x.c.customer_key).select_from(
        t.join(x, (x.c.source == t.c.source) & (x.c.source_key == t.c.customer_source_key))
    )
    buyers = set(conn.execute(bought.distinct()).scalars())
    held = conn.execute(
        sa.select(dim_customer.c.customer_key, dim_customer.c.is_customer).where(
            dim_customer.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY
        )
    )
    flipped = {key for key, flag in held if bool(flag) != (key in buyers)}
    for chunk in chunks(sorted(flipped)):
        for flag in (True, False):
            conn.execute(
                dim_customer.update()
                .where(dim_customer.c.customer_key.in_([k for k in chunk if (k in buyers) == flag]))
                .values(is_customer=flag)
            )
    return flipped


def _customer_reps(
    conn: Connection, xref: pl.DataFrame, rebuilt: dict[int, int | None]
) -> dict[int, int | None]:
    """The rep of every customer the redone facts point at (a fact without a rep of its own takes it)."""
    others = sorted(set(xref["customer_key"].to_list()) - set(rebuilt))
    reps = dict(rebuilt)
    c = dim_customer.c
    for chunk in chunks(others):
        query = sa.select(c.customer_key, c.rep_key).where(c.customer_key.in_(chunk))
        reps.update((key, rep) for key, rep in conn.execute(query))
    return reps


def _move_members(conn: Connection, moved: dict[Record, int | None]) -> None:
    """``core_member`` follows the cross-reference for the records that moved."""
    m = core_member.c
    for condition in matching([m.source, m.source_key], moved):
        conn.execute(core_member.delete().where(condition))
    insert_rows(
        conn,
        core_member,
        (
            {"source": s, "source_key": k, "customer_key": key}
            for (s, k), key in sorted(moved.items())
            if key is not None
        ),
    )


def remember_members(conn: Connection) -> None:
    """``core_member`` becomes the whole cross-reference (after a full build)."""
    conn.execute(core_member.delete())
    x = customer_xref.c
    conn.execute(
        core_member.insert().from_select(
            ["source", "source_key", "customer_key"], sa.select(x.source, x.source_key, x.customer_key)
        )
    )
