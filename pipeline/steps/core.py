"""Core: golden customers, dimensions and facts, rebuilt from staging and the customer cross-reference.

Dimension keys are stable: a name seen before keeps its key, a new one gets the next key
(`pipeline.steps.keys`). The facts are built by `pipeline.steps.facts`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.api_writes import SOURCE as API_SOURCE
from pipeline.api_writes import scoped_writers
from pipeline.changes import record_everything
from pipeline.identity.scoped import without_rep_votes
from pipeline.identity.survivorship import Chosen, build_vocabulary, completeness, group_records, survive
from pipeline.ops import StepResult
from pipeline.steps.facts import FACTS, Dimensions, build_facts, quarantined, with_customer
from pipeline.steps.keys import stable_keys
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.overrides import ALSO_SETS, OVERRIDE_RULE, OVERRIDE_SOURCE, overrides
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_CUSTOMER_NAME,
    customer_xref,
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_geography,
    dim_product,
    dim_sales_rep,
    golden_field,
    stg_campaign,
    stg_customer,
    stg_interaction,
    stg_product,
    stg_sales_line,
)

logger = logging.getLogger(__name__)

UNKNOWN = "Unknown"
GOLDEN_FIELDS = (
    "company_name", "display_name", "given_name", "family_name", "email", "phone", "street", "city",
    "region", "postcode", "country", "website", "instagram_handle", "segment", "sales_rep",
)  # fmt: skip


def build_core(conn: Connection, today: dt.date, batch_id: int) -> StepResult:
    """Rebuild golden customers, dimensions and facts in the caller's transaction (all of it changed)."""
    record_everything(conn, batch_id)
    for fact in FACTS:
        conn.execute(fact.delete())
    conn.execute(dim_customer.delete())
    conn.execute(golden_field.delete())

    rep_names = canonical_reps(conn)
    lines = _canonical(read_frame(conn, sa.select(stg_sales_line)), rep_names)
    golden, provenance = _golden_customers(conn, rep_names)
    reps = stable_keys(
        conn, dim_sales_rep, "rep_key", ["name"], _names(golden["sales_rep"], lines["sales_rep"])
    )
    geo_rows = golden.select(
        pl.col("city").fill_null(UNKNOWN),
        pl.col("region").fill_null(UNKNOWN),
        pl.col("country").fill_null("GB"),
    ).unique()
    geos = stable_keys(
        conn, dim_geography, "geography_key", ["country", "region", "city"], geo_rows.to_dicts()
    )
    products = _products(conn)
    campaigns = read_frame(conn, sa.select(stg_campaign))
    interactions = read_frame(conn, sa.select(stg_interaction))
    channels = stable_keys(
        conn,
        dim_channel,
        "channel_key",
        ["name"],
        _names(lines["channel"], interactions["channel"], campaigns["channel"]),
    )
    xref = read_frame(
        conn, sa.select(customer_xref.c.source, customer_xref.c.source_key, customer_xref.c.customer_key)
    )
    buyers = set(with_customer(lines, xref)["customer_key"].to_list())
    customers = _dim_customer_rows(golden, reps, geos, buyers)
    if UNIDENTIFIED_CUSTOMER_KEY in buyers:
        blank = {c.name: None for c in dim_customer.columns if "blind_index" not in c.info}  # hashes: filled
        customers.append(blank | UNIDENTIFIED_ROW)
    insert_rows(conn, dim_customer, customers)
    insert_rows(conn, golden_field, provenance)
    dims = Dimensions(
        products,
        reps,
        channels,
        _campaigns(conn, campaigns, channels),
        {c["customer_key"]: c["rep_key"] for c in customers},
    )
    facts = build_facts(conn, lines, interactions, xref, dims, today)
    return StepResult(
        rows_in=lines.height,
        rows_out=len(customers) + sum(facts.values()),
        rows_rejected=quarantined(conn),
        lineage={("stg_customer", "dim_customer"): len(customers), **facts},
    )


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


def _canonical(frame: pl.DataFrame, reps: dict[str, str]) -> pl.DataFrame:
    if frame.height == 0:
        return frame
    return frame.with_columns(pl.col("sales_rep").replace(reps))


def _names(*columns: pl.Series) -> list[dict[str, Any]]:
    names = sorted({v for col in columns for v in col.drop_nulls().to_list() if v})
    return [{"name": n} for n in names]


def _golden_customers(
    conn: Connection, rep_names: dict[str, str]
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """One row per golden customer by the survivorship rules, and where each of its values came from."""
    query = sa.select(customer_xref.c.customer_key, stg_customer).join(
        stg_customer,
        (stg_customer.c.source == customer_xref.c.source)
        & (stg_customer.c.source_key == customer_xref.c.source_key),
    )
    rows = [
        {**r, "sales_rep": rep_names.get(r["sales_rep"], r["sales_rep"])}
        for r in conn.execute(query).mappings()
    ]
    vocabulary = build_vocabulary(rows)
    steward = overrides(conn)
    written = set(scoped_writers(conn))
    golden: list[dict[str, Any]] = []
    provenance: list[dict[str, Any]] = []
    for key, records in sorted(group_records(rows).items()):
        if written:
            records = without_rep_votes(
                records, lambda r: r["source"] == API_SOURCE and r["source_key"] in written
            )
        chosen = survive(records, vocabulary)
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
    return pl.DataFrame(golden, schema=schema), provenance


def _override(chosen: dict[str, Chosen], fields: dict[str, dict[str, Any]]) -> None:
    """A steward's values replace the survivors (their provenance says so); derived names follow."""
    for field, o in fields.items():
        offered = chosen[field].candidates if field in chosen else 0
        chosen[field] = Chosen(field, o["value"], OVERRIDE_SOURCE, o["set_by"], OVERRIDE_RULE, offered)
        for extra in ALSO_SETS.get(field, ()):
            chosen[extra] = replace(chosen[field], field=extra)


def _campaigns(
    conn: Connection, campaigns: pl.DataFrame, channels: dict[tuple[Any, ...], int]
) -> dict[tuple[Any, ...], int]:
    """Rewrite ``dim_campaign`` from the staged campaigns, each keeping the key it had before."""
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
        for c in campaigns.iter_rows(named=True)
    ]
    keys = stable_keys(conn, dim_campaign, "campaign_key", ["source", "source_key"], rows, insert_new=False)
    conn.execute(dim_campaign.delete())
    insert_rows(
        conn, dim_campaign, ({**r, "campaign_key": keys[(r["source"], r["source_key"])]} for r in rows)
    )
    return keys


def _dim_customer_rows(
    golden: pl.DataFrame, reps: dict[tuple[Any, ...], int], geos: dict[tuple[Any, ...], int], buyers: set[int]
) -> list[dict[str, Any]]:
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


def _products(conn: Connection) -> dict[tuple[Any, ...], int]:
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
    keys = stable_keys(conn, dim_product, "product_key", ["source", "source_key"], rows, insert_new=False)
    conn.execute(dim_product.delete())  # attributes refresh; keys stay as assigned above
    insert_rows(conn, dim_product, ({**r, "product_key": keys[(r["source"], r["source_key"])]} for r in rows))
    return keys
