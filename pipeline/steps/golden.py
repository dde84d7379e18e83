"""Golden customers: one row per customer key by the survivorship rules, with where each value came from.

The core step builds them for every customer (a full build) or for the customers a batch touched; either way
a customer's row depends only on its own records, the stewards' overrides, the reps' scoped writes, the rep
name mapping and the survivorship vocabulary (word counts over every record, used to break ties). Which
words broke a customer's ties is kept (:class:`Ties`), so a later batch knows whose row a changed count moves.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.api_writes import SOURCE as API_SOURCE
from pipeline.api_writes import scoped_writers
from pipeline.identity.display import vote_key
from pipeline.identity.scoped import without_rep_votes
from pipeline.identity.survivorship import (
    FIELD_RULES,
    Chosen,
    build_vocabulary,
    completeness,
    group_records,
    survive,
)
from warehouse.overrides import ALSO_SETS, OVERRIDE_RULE, OVERRIDE_SOURCE, overrides
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_CUSTOMER_NAME,
    customer_xref,
    dim_customer,
    stg_customer,
    stg_sales_line,
)

UNKNOWN = "Unknown"
GOLDEN_FIELDS = (
    "company_name", "display_name", "given_name", "family_name", "email", "phone", "street", "city",
    "region", "postcode", "country", "website", "instagram_handle", "segment", "sales_rep",
)  # fmt: skip
CONSENSUS = tuple(f for f, rule in FIELD_RULES.items() if rule == "consensus")
#: Per customer key, the words whose counts broke its ties, with the counts they had (field -> word -> count).
Ties = dict[int, dict[str, dict[str, int]]]
Vocabulary = dict[str, dict[str, int]]


#: The one golden record of sales without a customer: it holds their revenue, and is no customer (counts,
#: lists, scores and actions leave it out).
UNIDENTIFIED_ROW: dict[str, Any] = {
    "customer_key": UNIDENTIFIED_CUSTOMER_KEY,
    "name": UNIDENTIFIED_CUSTOMER_NAME,
    "segment": "Unassigned",
    "is_customer": False,
    "source_count": 0,
    "completeness": 0.0,
}


def unidentified_row() -> dict[str, Any]:
    """The unidentified customer's ``dim_customer`` row (its lookup hashes are filled when it is written)."""
    blank = {c.name: None for c in dim_customer.columns if "blind_index" not in c.info}
    return blank | UNIDENTIFIED_ROW


def canonical_reps(conn: Connection) -> dict[str, str]:
    """Rep names as people type them -> the rep's full name.

    Invoices carry reps' full names; the sales sheet often has only a first name. A name that is the
    first name of exactly one full name maps to it; anything else stays as typed (whitespace tidied).
    """
    typed = {
        n
        for table in (stg_sales_line, stg_customer)
        for n in conn.execute(sa.select(table.c.sales_rep).distinct()).scalars()
        if n
    }
    full = {" ".join(n.split()) for n in typed if len(n.split()) > 1}
    by_first: dict[str, list[str]] = {}
    for name in sorted(full):
        by_first.setdefault(name.split()[0].lower(), []).append(name)
    mapping = {}
    for name in typed:
        tidy = " ".join(name.split())
        candidates = by_first.get(tidy.lower(), []) if tidy not in full else []
        mapping[name] = candidates[0] if len(candidates) == 1 else tidy
    return mapping


def canonical(frame: pl.DataFrame, reps: dict[str, str]) -> pl.DataFrame:
    """``frame`` with its ``sales_rep`` names as :func:`canonical_reps` maps them."""
    if frame.height == 0:
        return frame
    return frame.with_columns(pl.col("sales_rep").replace(reps))


def names(*columns: pl.Series) -> list[dict[str, Any]]:
    """The distinct non-empty values of ``columns``, as rows of a name dimension."""
    names = sorted({v for col in columns for v in col.drop_nulls().to_list() if v})
    return [{"name": n} for n in names]


def vocabulary(conn: Connection) -> Vocabulary:
    """``build_vocabulary`` over every record that has a customer key, counted in SQL a value at a time."""
    words: Vocabulary = {f: {} for f in CONSENSUS}
    joined = stg_customer.join(
        customer_xref,
        (stg_customer.c.source == customer_xref.c.source)
        & (stg_customer.c.source_key == customer_xref.c.source_key),
    )
    for field in CONSENSUS:
        column = stg_customer.c[field]
        query = (
            sa.select(column, sa.func.count()).select_from(joined).where(column.is_not(None)).group_by(column)
        )
        counts = words[field]
        for value, n in conn.execute(query):
            if value in (None, ""):
                continue
            for word in set(vote_key(field, str(value)).split()):
                counts[word] = counts.get(word, 0) + int(n)
    return words


class _Watched(dict[str, int]):
    """A field's word counts that note every word survivorship looks up (to break a tie)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        super().__init__(counts)
        self.looked: set[str] = set()

    def get(self, word: str, default: Any = None) -> Any:
        self.looked.add(word)
        return super().get(word, default)


def golden_customers(
    conn: Connection,
    rep_names: dict[str, str],
    words: Vocabulary | None = None,
    keys: Collection[int] | None = None,
) -> tuple[pl.DataFrame, list[dict[str, Any]], Ties]:
    """One row per golden customer (all, or those of ``keys``) by the survivorship rules, where each of its
    values came from, and the words that broke its ties; ``words``: the vocabulary, counted from the rows
    read when not given (all of them, so only without ``keys``)."""
    query = sa.select(customer_xref.c.customer_key, stg_customer).join(
        stg_customer,
        (stg_customer.c.source == customer_xref.c.source)
        & (stg_customer.c.source_key == customer_xref.c.source_key),
    )
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(keys)) if keys is not None else [None]:
        part = query if chunk is None else query.where(customer_xref.c.customer_key.in_(chunk))
        rows.extend(
            {**r, "sales_rep": rep_names.get(r["sales_rep"], r["sales_rep"])}
            for r in conn.execute(part).mappings()
        )
    if words is None:
        words = build_vocabulary(rows)
    steward = overrides(conn)
    written = set(scoped_writers(conn))
    watched = {f: _Watched(words.get(f, {})) for f in CONSENSUS}
    golden: list[dict[str, Any]] = []
    provenance: list[dict[str, Any]] = []
    ties: Ties = {}
    for key, records in sorted(group_records(rows).items()):
        if written:
            records = without_rep_votes(
                records, lambda r: r["source"] == API_SOURCE and r["source_key"] in written
            )
        for w in watched.values():
            w.looked.clear()
        chosen = survive(records, watched)
        looked = {
            f: {word: dict.get(w, word, 0) for word in sorted(w.looked)}
            for f, w in watched.items()
            if w.looked
        }
        if looked:
            ties[key] = looked
        _override(chosen, steward.get(key, {}))
        for derived, origin in (
            ("name", ("company_name", "display_name")),
            ("contact_name", ("given_name",)),
        ):
            picked = next((chosen[f] for f in origin if f in chosen), None)
            if picked is not None:
                value = picked.value
                if derived == "contact_name":
                    value = " ".join(
                        str(chosen[f].value) for f in ("given_name", "family_name") if f in chosen
                    )
                chosen[derived] = replace(picked, field=derived, value=value)
        golden.append(
            {
                "customer_key": key,
                **{f: chosen[f].value if f in chosen else None for f in GOLDEN_FIELDS},
                "first_seen": min((r["created_at"] for r in records if r["created_at"]), default=None),
                "source_count": len(records),
            }
        )
        provenance.extend(
            {"customer_key": key, "field": c.field, "value": None if c.value is None else str(c.value)[:300],
             "source": c.source, "source_key": c.source_key, "rule": c.rule, "candidates": c.candidates}
            for c in chosen.values()
        )  # fmt: skip
    schema = {
        "customer_key": pl.Int64,
        **{f: pl.String for f in GOLDEN_FIELDS},
        "first_seen": pl.Datetime,
        "source_count": pl.Int64,
    }
    return pl.DataFrame(golden, schema=schema), provenance, ties


def _override(chosen: dict[str, Chosen], fields: dict[str, dict[str, Any]]) -> None:
    """A steward's values replace the survivors (their provenance says so); derived names follow."""
    for field, o in fields.items():
        offered = chosen[field].candidates if field in chosen else 0
        chosen[field] = Chosen(field, o["value"], OVERRIDE_SOURCE, o["set_by"], OVERRIDE_RULE, offered)
        for extra in ALSO_SETS.get(field, ()):
            chosen[extra] = replace(chosen[field], field=extra)


def dim_customer_rows(
    golden: pl.DataFrame, reps: dict[tuple[Any, ...], int], geos: dict[tuple[Any, ...], int], buyers: set[int]
) -> list[dict[str, Any]]:
    """The ``dim_customer`` rows of golden customers (``buyers``: the keys with a staged sales line)."""
    rows = []
    for g in golden.iter_rows(named=True):
        contact = " ".join(p for p in (g["given_name"], g["family_name"]) if p) or None
        name = g["company_name"] or g["display_name"] or contact or f"Customer {g['customer_key']}"
        geo = (g["country"] or "GB", g["region"] or UNKNOWN, g["city"] or UNKNOWN)
        rows.append(
            {
                "customer_key": g["customer_key"],
                "name": name,
                "company_name": g["company_name"],
                "contact_name": contact,
                **{
                    f: g[f]
                    for f in (
                        "email",
                        "phone",
                        "street",
                        "city",
                        "region",
                        "postcode",
                        "country",
                        "website",
                        "instagram_handle",
                    )
                },
                "segment": g["segment"] or "Unassigned",
                "geography_key": geos[geo],
                "rep_key": reps.get((g["sales_rep"],)) if g["sales_rep"] else None,
                "is_customer": g["customer_key"] in buyers,
                "source_count": int(g["source_count"]),
                "first_seen": g["first_seen"],
            }
        )
        rows[-1]["completeness"] = completeness(rows[-1] | {"sales_rep": g["sales_rep"]})
    return rows


def _chunks(keys: list[int], size: int = 5000) -> list[list[int]]:
    return [keys[i : i + size] for i in range(0, len(keys), size)]
