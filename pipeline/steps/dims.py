"""The small dimensions: products and campaigns, which the core step writes whole from staging in every build,
and reps and places, which only ever gain names.

Each keeps the key it had before (``stable_keys``); a new one gets the next key. A full build empties the
table and writes it again; a build of what changed updates the rows in place (facts point at them) and says
which were new (their facts, kept out before, are made now) and how many left staging (their facts lose them
in the build after, as a full build's do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.steps.golden import UNKNOWN, names
from pipeline.steps.keys import stable_keys
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import dim_campaign, dim_geography, dim_product, dim_sales_rep, stg_product


@dataclass(frozen=True)
class Written:
    """A dimension's keys by natural key, the natural keys new to it, how many it lost, and how many rows it
    held already whose attributes changed (a product's name or category, a campaign's channel...)."""

    keys: dict[tuple[Any, ...], int]
    new: frozenset[tuple[Any, ...]]
    dropped: int
    changed: int = 0


def products(conn: Connection, in_place: bool = False) -> Written:
    """Write ``dim_product`` from the staged products."""
    staged = read_frame(conn, sa.select(stg_product))
    rows = [
        {
            "source": p["source"],
            "source_key": p["source_key"],
            "name": p["name"],
            "sku": p["sku"],
            "category": p["category"] or UNKNOWN,
            "unit_price": p["unit_price"],
            "unit_cost": p["unit_cost"],
        }
        for p in staged.iter_rows(named=True)
    ]
    return _write(conn, dim_product, "product_key", rows, in_place)


def campaigns(
    conn: Connection, staged: pl.DataFrame, channels: dict[tuple[Any, ...], int], in_place: bool = False
) -> Written:
    """Write ``dim_campaign`` from the staged campaigns."""
    rows = [
        {
            "source": c["source"],
            "source_key": c["source_key"],
            "name": c["name"],
            "channel_key": channels[(c["channel"],)],
            "start_date": c["start_date"],
            "end_date": c["end_date"],
            "budget": c["budget"],
        }
        for c in staged.iter_rows(named=True)
    ]
    return _write(conn, dim_campaign, "campaign_key", rows, in_place)


def reps_and_places(
    conn: Connection, golden: pl.DataFrame, lines: pl.DataFrame
) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """Keys of the reps the golden customers and sales lines name, and of the customers' places (a new
    name or place gets the next key; none ever goes)."""
    reps = stable_keys(
        conn, dim_sales_rep, "rep_key", ["name"], names(golden["sales_rep"], lines["sales_rep"])
    )
    places = golden.select(
        pl.col("city").fill_null(UNKNOWN),
        pl.col("region").fill_null(UNKNOWN),
        pl.col("country").fill_null("GB"),
    ).unique()
    geos = stable_keys(conn, dim_geography, "geography_key", ["country", "region", "city"], places.to_dicts())
    return reps, geos


def dropped(conn: Connection, staged: Sequence[tuple[Any, ...]], table: sa.Table) -> int:
    """How many rows of ``table`` are not among the ``staged`` natural keys (source, source_key)."""
    held = {(r.source, r.source_key) for r in conn.execute(sa.select(table.c.source, table.c.source_key))}
    return len(held - set(staged))


def _write(
    conn: Connection, table: sa.Table, key: str, rows: list[dict[str, Any]], in_place: bool
) -> Written:
    natural = ["source", "source_key"]
    before = {
        tuple(r[:-1]): r[-1] for r in conn.execute(sa.select(*(table.c[c] for c in natural), table.c[key]))
    }
    keys = stable_keys(conn, table, key, natural, rows, insert_new=False)
    staged = {(r["source"], r["source_key"]) for r in rows}
    written = [{**r, key: keys[(r["source"], r["source_key"])]} for r in rows]
    changed: list[dict[str, Any]] = []
    if not in_place:
        conn.execute(table.delete())  # attributes refresh; keys stay as assigned above
        insert_rows(conn, table, written)
    else:
        held = {r[key]: dict(r) for r in conn.execute(sa.select(table)).mappings()}
        changed = [r for r in written if r[key] in held and held[r[key]] != r]
        for r in changed:
            conn.execute(table.update().where(table.c[key] == r[key]).values(**r))
        insert_rows(conn, table, (r for r in written if r[key] not in held))
    return Written(keys, frozenset(staged - set(before)), len(set(before) - staged), len(changed))
