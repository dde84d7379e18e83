"""How the match step reads staged customer records and writes the cross-reference: whole columns at a time.

Encrypted columns are read as stored and each distinct value is decrypted once (equal values are equal
tokens: ``warehouse.crypto``), and the new keys are compared with the stored ones in a frame, so only rows
that changed are written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

import pandas as pd
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.identity.customers import COLUMNS
from pipeline.identity.errors import MatchingError
from warehouse.engine import insert_rows
from warehouse.frames import decrypted, is_encrypted, read_frame, stored_form
from warehouse.schema import customer_xref, stg_customer

logger = logging.getLogger(__name__)

#: What match reads of a staged record: the engine's fields, and what survivorship needs to name a
#: customer's owner (``pipeline.identity.scoped``).
READ: Final = (
    "source", "source_key", "entity", "company_name", "display_name", "given_name", "family_name", "email",
    "phone", "street", "city", "postcode", "region", "country", "sales_rep", "created_at", "updated_at",
)  # fmt: skip
XREF: Final = ("source", "source_key", "customer_key", "match_rule")
MAX_RULE: Final = 60  # customer_xref.match_rule's length


def staged_records(conn: Connection) -> pl.DataFrame:
    """The staged customer records (``READ``), ordered by source and key, so the engine sees the same input
    whatever order the database keeps rows in."""
    columns = [stg_customer.c[name] for name in READ]
    query = sa.select(*map(stored_form, columns)).order_by(stg_customer.c.source, stg_customer.c.source_key)
    return decrypted(conn, read_frame(conn, query), [c.name for c in columns if is_encrypted(c)])


def engine_frame(staged: pl.DataFrame) -> pd.DataFrame:
    """The engine's input (``pipeline.identity.customers.customer_frame``): business name the company, else the
    display name; ``record_id`` is ``source|source_key``."""
    company = pl.col("company_name")
    named = pl.when(company.is_null() | (company == "")).then(pl.col("display_name")).otherwise(company)
    frame = staged.select(
        pl.concat_str("source", pl.lit("|"), "source_key").alias("record_id"),
        named.cast(pl.String).alias("business_name"),
        *[pl.col(c).cast(pl.String) for c in COLUMNS[2:]],
    )
    return frame.to_pandas()


def stored_xref(conn: Connection) -> pl.DataFrame:
    """Every row of ``customer_xref`` (``XREF``) with its record id."""
    frame = read_frame(conn, sa.select(*[customer_xref.c[c] for c in XREF]))
    return frame.with_columns(pl.concat_str("source", pl.lit("|"), "source_key").alias("record_id"))


def strongest_rules(rule_of: Mapping[tuple[str, str], str]) -> pl.DataFrame:
    """Per matched record (``record_id``), the rule of its strongest edge (``match_rule``): rule pairs before
    probabilistic ones, then the first pair in record order."""
    edges = pl.DataFrame(
        {"a": [a for a, _ in rule_of], "b": [b for _, b in rule_of], "rule": list(rule_of.values())},
        schema={"a": pl.String, "b": pl.String, "rule": pl.String},
    )
    ranked = edges.sort(~pl.col("rule").str.starts_with("rule:"), "a", "b").with_row_index("rank")
    ends = pl.concat([ranked.select("rank", pl.col(end).alias("record_id"), "rule") for end in ("a", "b")])
    return (
        ends.sort("rank")
        .unique("record_id", keep="first")
        .select("record_id", pl.col("rule").alias("match_rule"))
    )


def write_xref(
    conn: Connection,
    staged: pl.DataFrame,
    keys: pl.DataFrame,
    rule_of: Mapping[tuple[str, str], str],
    xref: pl.DataFrame,
    batch_id: int,
) -> int:
    """Insert new records' keys and replace changed ones; unchanged rows keep their batch id. Returns how many
    rows were written. ``keys``: each staged record's ``record_id`` and ``customer_key``; ``xref``: the stored
    rows of the records still staged."""
    ids = staged.select(
        "source", "source_key", pl.concat_str("source", pl.lit("|"), "source_key").alias("record_id")
    )
    new = ids.join(keys, on="record_id", how="left", validate="1:1")
    if new["customer_key"].null_count():
        raise MatchingError(f"{new['customer_key'].null_count()} staged records were given no golden key")
    new = new.join(strongest_rules(rule_of), on="record_id", how="left")
    new = new.with_columns(pl.col("match_rule").fill_null("single"))
    old = xref.select(
        "record_id", pl.col("customer_key").alias("old_key"), pl.col("match_rule").alias("old_rule")
    )
    compared = new.join(old, on="record_id", how="left")
    same = (pl.col("old_key") == pl.col("customer_key")) & (pl.col("old_rule") == pl.col("match_rule"))
    changes = compared.filter(~same.fill_null(False))
    stale = changes.filter(pl.col("old_key").is_not_null())
    if stale.height:
        conn.execute(
            customer_xref.delete().where(
                (customer_xref.c.source == sa.bindparam("s"))
                & (customer_xref.c.source_key == sa.bindparam("k"))
            ),
            [{"s": s, "k": k} for s, k in stale.select("source", "source_key").iter_rows()],
        )
    rows = changes.select(
        "source",
        "source_key",
        "customer_key",
        pl.col("match_rule").str.slice(0, MAX_RULE),
        pl.lit(batch_id).alias("batch_id"),
    )
    insert_rows(conn, customer_xref, rows.iter_rows(named=True))
    logger.info("customer_xref: %d rows new, %d changed", changes.height - stale.height, stale.height)
    return changes.height
