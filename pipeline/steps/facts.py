"""Facts: sales lines, payments, interactions and campaign days, keyed to golden customers and dimensions.

Facts are keyed by their source's natural key, so rebuilding them from the same staging gives the same
rows. Facts whose customer record was rejected are kept in ``stg_reject`` (rule ``unknown_customer``); sales
without a customer (walk-in receipts) belong to the unidentified customer. ``amount`` is in the home currency
(``pipeline.money.home_currency``), with the document's currency, rate and amount beside it; a document in
another currency without an exchange rate cannot be converted and is kept in ``stg_reject`` (rule
``unconverted_currency``) rather than counted as if it were in the home currency. A payment's method is the
name of the payment method its reference points at, else what its source staged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.money import home_currency
from pipeline.steps.keys import date_key
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_SOURCE_KEY,
    dim_date,
    fact_campaign_daily,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    stg_campaign_daily,
    stg_payment,
    stg_payment_method,
    stg_reject,
)

UNKNOWN_CUSTOMER = "unknown_customer"  # the rule of facts whose customer record is missing or rejected
UNCONVERTED = "unconverted_currency"  # the rule of facts in a foreign currency without an exchange rate
RULES = (UNKNOWN_CUSTOMER, UNCONVERTED)  # what core quarantines; rebuilt with the facts
#: Every fact table, in an order they can be emptied in.
FACTS = (fact_sales_line, fact_payment, fact_interaction, fact_campaign_daily)


@dataclass(frozen=True)
class Dimensions:
    """Surrogate keys the facts point at, by natural key."""

    products: dict[tuple[Any, ...], int]
    reps: dict[tuple[Any, ...], int]
    channels: dict[tuple[Any, ...], int]
    campaigns: dict[tuple[Any, ...], int]
    customer_rep: dict[int, int | None]


def build_facts(
    conn: Connection,
    lines: pl.DataFrame,
    interactions: pl.DataFrame,
    xref: pl.DataFrame,
    dims: Dimensions,
    today: dt.date,
) -> dict[tuple[str, str], int]:
    """Fill the fact tables (emptied first by the caller, before the dimensions they point at); returns
    the rows written per (staging table, fact table)."""
    conn.execute(stg_reject.delete().where(stg_reject.c.rule.in_(RULES)))
    payments = read_frame(conn, sa.select(stg_payment))
    home = home_currency()
    daily = read_frame(conn, sa.select(stg_campaign_daily))
    fill_dates(conn, _dates(lines, interactions, payments, daily, today))
    staged = Staged(lines, payments, interactions, daily)
    books = {"stg_sales_line": books_of(lines, home), "stg_payment": books_of(payments, home)}
    return write_facts(conn, staged, xref, dims, home, books)


@dataclass(frozen=True)
class Staged:
    """Staging rows to make facts of: every row (a full build) or the rows a batch changed."""

    lines: pl.DataFrame
    payments: pl.DataFrame
    interactions: pl.DataFrame
    daily: pl.DataFrame


def write_facts(
    conn: Connection,
    staged: Staged,
    xref: pl.DataFrame,
    dims: Dimensions,
    home: str,
    books: dict[str, dict[str, str]],
) -> dict[tuple[str, str], int]:
    """Insert the facts of ``staged`` (their earlier facts and rejects removed by the caller), rejecting
    what cannot be a fact; ``books``: per staging table, the sources keeping their books in another
    currency (:func:`books_of`)."""
    lines, payments = staged.lines, staged.payments
    return {
        ("stg_sales_line", "fact_sales_line"): _sales_facts(
            conn, lines, xref, dims, home, books["stg_sales_line"]
        ),
        ("stg_payment", "fact_payment"): _payment_facts(
            conn, payments, xref, home, _method_names(conn), books["stg_payment"]
        ),
        ("stg_interaction", "fact_interaction"): _interaction_facts(
            conn, staged.interactions, xref, dims.channels
        ),
        ("stg_campaign_daily", "fact_campaign_daily"): _campaign_facts(conn, staged.daily, dims.campaigns),
    }


def books_of(staged: pl.DataFrame, home: str) -> dict[str, str]:
    """Source -> the currency its books are kept in, for sources that keep them in another than ``home``.

    A row without an exchange rate is in its company's home currency (its books'). A source with such rows
    in ``home`` keeps its books in ``home``. A source whose rows without a rate are all in another currency
    keeps its books in that currency (the commonest; ties: the first in order).
    """
    if staged.height == 0:
        return {}
    plain = pl.col("exchange_rate").is_null()
    other = pl.col("currency").is_not_null() & (pl.col("currency") != home)
    in_home = set(staged.filter(plain & ~other)["source"].to_list())
    books = (
        staged.filter(plain & other & ~pl.col("source").is_in(list(in_home)))
        .group_by("source")
        .agg(pl.col("currency").mode().sort().first().alias("books"))
    )
    return dict(zip(books["source"].to_list(), books["books"].to_list(), strict=True))


def books_in_warehouse(conn: Connection, table: sa.Table, home: str) -> dict[str, str]:
    """:func:`books_of` over every row of a staging table, counted in SQL."""
    counts = conn.execute(
        sa.select(table.c.source, table.c.currency, sa.func.count())
        .where(table.c.exchange_rate.is_(None))
        .group_by(table.c.source, table.c.currency)
    ).all()
    in_home = {s for s, currency, _ in counts if currency is None or currency == home}
    votes: dict[str, dict[str, int]] = {}
    for source, currency, n in counts:
        if source not in in_home:
            votes.setdefault(source, {})[currency] = int(n)
    return {s: min(v, key=lambda c: (-v[c], c)) for s, v in votes.items()}


def quarantined(conn: Connection) -> int:
    """How many facts the last build kept out of the fact tables (in ``stg_reject``: unknown customer,
    unconverted currency)."""
    count = sa.select(sa.func.count()).select_from(stg_reject).where(stg_reject.c.rule.in_(RULES))
    return int(conn.execute(count).scalar_one())


def with_customer(frame: pl.DataFrame, xref: pl.DataFrame, source_col: str = "source") -> pl.DataFrame:
    """``frame`` with the golden ``customer_key`` of its customer record (null when that record is unknown)."""
    keys = xref.rename({"source": source_col, "source_key": "customer_source_key"})
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("customer_key"))
    joined = frame.join(keys, on=[source_col, "customer_source_key"], how="left")
    unidentified = pl.col("customer_source_key") == UNIDENTIFIED_SOURCE_KEY
    return joined.with_columns(
        pl.when(unidentified)
        .then(pl.lit(UNIDENTIFIED_CUSTOMER_KEY, dtype=pl.Int64))
        .otherwise(pl.col("customer_key").cast(pl.Int64))
        .alias("customer_key")
    )


def _dates(
    lines: pl.DataFrame,
    interactions: pl.DataFrame,
    payments: pl.DataFrame,
    daily: pl.DataFrame,
    today: dt.date,
) -> list[dt.date]:
    """Every day from the earliest fact to the latest (or today), so period sums have no gaps."""
    seen: list[dt.date] = [today]
    for col in (lines["txn_date"], payments["txn_date"], daily["day"]):
        seen.extend(d for d in (col.min(), col.max()) if isinstance(d, dt.date))
    for value in (interactions["occurred_at"].min(), interactions["occurred_at"].max()):
        if isinstance(value, dt.datetime):
            seen.append(value.date())
    first, last = min(seen), max(seen)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def fill_dates(conn: Connection, days: list[dt.date]) -> None:
    existing = set(conn.execute(sa.select(dim_date.c.day)).scalars())
    insert_rows(
        conn,
        dim_date,
        (
            {
                "date_key": date_key(d),
                "day": d,
                "year": d.year,
                "quarter": (d.month - 1) // 3 + 1,
                "month": d.month,
                "iso_week": d.isocalendar().week,
                "day_of_week": d.isoweekday(),
                "week_start": d - dt.timedelta(days=d.weekday()),
                "month_start": d.replace(day=1),
                "is_weekend": d.weekday() >= 5,
            }
            for d in days
            if d not in existing
        ),
    )


def _reject_orphans(conn: Connection, orphans: pl.DataFrame, entity: str, key_cols: Sequence[str]) -> None:
    _quarantine(
        conn,
        orphans,
        entity,
        key_cols,
        UNKNOWN_CUSTOMER,
        "customer_source_key",
        lambda o: (
            f"customer record {o['customer_source_key']!r} is not a staged customer (missing or rejected)"
        ),
    )


def _quarantine(
    conn: Connection,
    rows: pl.DataFrame,
    entity: str,
    key_cols: Sequence[str],
    rule: str,
    field: str,
    message: Callable[[dict[str, Any]], str],
) -> None:
    """Staged rows that cannot become facts, into ``stg_reject`` once per record with ``rule`` and why."""
    insert_rows(
        conn,
        stg_reject,
        (
            {
                "source": o["source"],
                "entity": entity,
                "record_key": "/".join(str(o[c]) for c in key_cols),
                "rule": rule,
                "field": field,
                "message": message(o),
                "land_id": o["land_id"],
                "batch_id": o["batch_id"],
            }
            for o in rows.unique(subset=["source", *key_cols]).iter_rows(named=True)
        ),
    )


def _known(
    conn: Connection,
    staged: pl.DataFrame,
    xref: pl.DataFrame,
    entity: str,
    key_cols: Sequence[str],
    source_col: str = "source",
) -> Iterator[dict[str, Any]]:
    """The staged rows whose customer record is known, with its ``customer_key``; the others go to
    ``stg_reject`` as ``unknown_customer``."""
    joined = with_customer(staged, xref, source_col)
    _reject_orphans(conn, joined.filter(pl.col("customer_key").is_null()), entity, key_cols)
    return joined.filter(pl.col("customer_key").is_not_null()).iter_rows(named=True)


def _converted(
    conn: Connection,
    staged: pl.DataFrame,
    home: str,
    entity: str,
    key_cols: Sequence[str],
    books: dict[str, str],
) -> pl.DataFrame:
    """The staged rows whose amount is in ``home``; the others go to ``stg_reject`` as ``unconverted_currency``.

    A row without an exchange rate is in its company's home currency (its books'): only such rows in another
    currency are kept out, and every row of a source keeping its books in another currency (``books``): its
    rows converted with a rate are in that currency too, not in ``home``.
    """
    if staged.height == 0:
        return staged
    plain = pl.col("exchange_rate").is_null()
    other = pl.col("currency").is_not_null() & (pl.col("currency") != home)
    kept = pl.DataFrame(
        {"source": list(books), "books": list(books.values())},
        schema={"source": pl.String, "books": pl.String},
    )
    joined = staged.join(kept, on="source", how="left")
    foreign = pl.col("books").is_not_null() | (plain & other)
    bad = joined.filter(foreign)
    _quarantine(
        conn,
        bad,
        entity,
        key_cols,
        UNCONVERTED,
        "currency",
        lambda o: (
            f"amount in {o['currency']}"
            + (" without an exchange rate" if o["exchange_rate"] is None else f" converted to {o['books']}")
            + f", and the home currency is {home}: "
            + (
                f"set the home currency to {o['books']}, the books' currency"
                if o["books"] is not None
                else "the document needs its exchange rate"
            )
        ),
    )
    return joined.filter(~foreign).drop("books")


def _money(r: dict[str, Any], home: str) -> dict[str, Any]:
    """The document's currency, rate and amount of a staged row (its home amount when it names none)."""
    return {
        "doc_currency": r["currency"] or home,
        "exchange_rate": 1.0 if r["exchange_rate"] is None else r["exchange_rate"],
        "doc_amount": r["amount"] if r["doc_amount"] is None else r["doc_amount"],
    }


def _sales_facts(
    conn: Connection,
    lines: pl.DataFrame,
    xref: pl.DataFrame,
    dims: Dimensions,
    home: str,
    books: dict[str, str],
) -> int:
    key_cols = ["doc_type", "doc_key"]
    lines = _converted(conn, lines, home, "SalesLine", key_cols, books)
    rows = (
        {
            "source": r["source"],
            "doc_type": r["doc_type"],
            "doc_key": r["doc_key"],
            "line_no": r["line_no"],
            "date_key": date_key(r["txn_date"]),
            "customer_key": r["customer_key"],
            "product_key": dims.products.get((r["source"], r["product_source_key"])),
            "rep_key": dims.reps.get((r["sales_rep"],)) or dims.customer_rep.get(r["customer_key"]),
            "channel_key": dims.channels.get((r["channel"],)),
            "quantity": r["quantity"],
            "unit_price": r["unit_price"],
            "amount": r["amount"],
            **_money(r, home),
        }
        for r in _known(conn, lines, xref, "SalesLine", ["doc_type", "doc_key", "line_no"])
    )
    return insert_rows(conn, fact_sales_line, rows)


def _method_names(conn: Connection) -> dict[tuple[str, str], str]:
    """Payment method names by (source, reference): a payment that sends only ``{"value": "2"}`` shows "Cash"."""
    query = sa.select(stg_payment_method.c.source, stg_payment_method.c.source_key, stg_payment_method.c.name)
    return {(source, key): name for source, key, name in conn.execute(query)}


def _payment_facts(
    conn: Connection,
    staged: pl.DataFrame,
    xref: pl.DataFrame,
    home: str,
    methods: dict[tuple[str, str], str],
    books: dict[str, str],
) -> int:
    staged = _converted(conn, staged, home, "Payment", ["source_key"], books)
    rows = (
        {
            "source": r["source"],
            "source_key": r["source_key"],
            "date_key": date_key(r["txn_date"]),
            "customer_key": r["customer_key"],
            "amount": r["amount"],
            "method": (methods.get((r["source"], r["method_ref"])) or r["method"] or "")[:40] or None,
            **_money(r, home),
        }
        for r in _known(conn, staged, xref, "Payment", ["source_key"])
    )
    return insert_rows(conn, fact_payment, rows)


def _interaction_facts(
    conn: Connection, staged: pl.DataFrame, xref: pl.DataFrame, channels: dict[tuple[Any, ...], int]
) -> int:
    rows = (
        {
            "source": r["source"],
            "source_key": r["source_key"],
            "date_key": date_key(r["occurred_at"].date()),
            "occurred_at": r["occurred_at"],
            "customer_key": r["customer_key"],
            "kind": r["kind"],
            "channel_key": channels.get((r["channel"],)),
            "text": r["text"],
            "likes": r["likes"],
            "comments": r["comments"],
        }
        for r in _known(conn, staged, xref, "Interaction", ["source_key"], source_col="customer_source")
    )
    return insert_rows(conn, fact_interaction, rows)


def _campaign_facts(conn: Connection, daily: pl.DataFrame, campaigns: dict[tuple[Any, ...], int]) -> int:
    facts = (
        {
            "campaign_key": campaigns[(d["source"], d["campaign_source_key"])],
            "date_key": date_key(d["day"]),
            "spend": d["spend"],
            "impressions": d["impressions"],
            "clicks": d["clicks"],
            "conversions": d["conversions"],
        }
        for d in daily.iter_rows(named=True)
        if (d["source"], d["campaign_source_key"]) in campaigns
    )
    return insert_rows(conn, fact_campaign_daily, facts)
