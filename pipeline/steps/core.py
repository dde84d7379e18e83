"""Core: golden customers, dimensions and facts, rebuilt from staging and the customer cross-reference.

Dimension keys are stable: a name seen before keeps its key, a new one gets the next key. Facts are
keyed by their source's natural key, so rebuilding them from the same staging gives the same rows.
Facts whose customer record was rejected are kept in ``stg_reject`` (rule ``unknown_customer``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.identity.survivorship import completeness, group_records, survive
from pipeline.ops import StepResult
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import (
    customer_xref,
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_date,
    dim_geography,
    dim_product,
    dim_sales_rep,
    fact_campaign_daily,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    golden_field,
    stg_campaign,
    stg_campaign_daily,
    stg_customer,
    stg_interaction,
    stg_payment,
    stg_product,
    stg_reject,
    stg_sales_line,
)

logger = logging.getLogger(__name__)

UNKNOWN = "Unknown"
GOLDEN_FIELDS = (
    "company_name", "display_name", "given_name", "family_name", "email", "phone", "street", "city",
    "region", "postcode", "country", "website", "instagram_handle", "segment", "sales_rep",
)  # fmt: skip
FACTS = (fact_sales_line, fact_payment, fact_interaction, fact_campaign_daily)


def build_core(conn: Connection, today: dt.date) -> StepResult:
    """Rebuild golden customers, dimensions and facts in the caller's transaction."""
    for fact in FACTS:
        conn.execute(fact.delete())
    conn.execute(dim_customer.delete())
    conn.execute(golden_field.delete())
    conn.execute(stg_reject.delete().where(stg_reject.c.rule == "unknown_customer"))

    rep_names = canonical_reps(conn)
    lines = _canonical(read_frame(conn, sa.select(stg_sales_line)), rep_names)
    golden, provenance = _golden_customers(conn, rep_names)
    reps = _stable_keys(
        conn, dim_sales_rep, "rep_key", ["name"], _names(golden["sales_rep"], lines["sales_rep"])
    )
    geo_rows = golden.select(
        pl.col("city").fill_null(UNKNOWN),
        pl.col("region").fill_null(UNKNOWN),
        pl.col("country").fill_null("GB"),
    ).unique()
    geos = _stable_keys(
        conn, dim_geography, "geography_key", ["country", "region", "city"], geo_rows.to_dicts()
    )
    products = _products(conn)
    campaigns = read_frame(conn, sa.select(stg_campaign))
    interactions = read_frame(conn, sa.select(stg_interaction))
    channels = _stable_keys(
        conn,
        dim_channel,
        "channel_key",
        ["name"],
        _names(lines["channel"], interactions["channel"], campaigns["channel"]),
    )
    xref = read_frame(
        conn, sa.select(customer_xref.c.source, customer_xref.c.source_key, customer_xref.c.customer_key)
    )
    buyers = set(_with_customer(lines, xref)["customer_key"].to_list())
    customers = _dim_customer_rows(golden, reps, geos, buyers)
    insert_rows(conn, dim_customer, customers)
    insert_rows(conn, golden_field, provenance)
    staged_payments = read_frame(conn, sa.select(stg_payment))
    daily = read_frame(conn, sa.select(stg_campaign_daily))
    _fill_dates(conn, _dates(lines, interactions, staged_payments, daily, today))
    sales = _sales_facts(
        conn, lines, xref, products, reps, channels, {c["customer_key"]: c["rep_key"] for c in customers}
    )
    payments = _payment_facts(conn, staged_payments, xref)
    touches = _interaction_facts(conn, interactions, xref, channels)
    spend = _campaign_facts(conn, campaigns, daily, channels)
    return StepResult(
        rows_in=lines.height,
        rows_out=len(customers) + sales + payments + touches + spend,
        lineage={
            ("stg_customer", "dim_customer"): len(customers),
            ("stg_sales_line", "fact_sales_line"): sales,
            ("stg_payment", "fact_payment"): payments,
            ("stg_interaction", "fact_interaction"): touches,
            ("stg_campaign_daily", "fact_campaign_daily"): spend,
        },
    )


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


def _stable_keys(
    conn: Connection,
    table: sa.Table,
    key: str,
    natural: Sequence[str],
    wanted: Iterable[dict[str, Any]],
    insert_new: bool = True,
) -> dict[tuple[Any, ...], int]:
    """Keys for natural values: existing ones kept, new ones numbered on from the highest (and inserted)."""
    existing = {tuple(r[c] for c in natural): r[key] for r in conn.execute(sa.select(table)).mappings()}
    next_key = max(existing.values(), default=0) + 1
    new_rows = []
    for row in sorted(wanted, key=lambda r: tuple(str(r[c]) for c in natural)):
        natural_key = tuple(row[c] for c in natural)
        if natural_key not in existing:
            existing[natural_key] = next_key
            new_rows.append({key: next_key, **{c: row[c] for c in natural}})
            next_key += 1
    if insert_new:
        insert_rows(conn, table, new_rows)
    return existing


def _golden_customers(
    conn: Connection, rep_names: dict[str, str]
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """One row per golden customer by the survivorship rules, and where each of its values came from."""
    query = sa.select(customer_xref.c.customer_key, stg_customer).join(
        stg_customer,
        (stg_customer.c.source == customer_xref.c.source)
        & (stg_customer.c.source_key == customer_xref.c.source_key),
    )
    rows = (
        {**r, "sales_rep": rep_names.get(r["sales_rep"], r["sales_rep"])}
        for r in conn.execute(query).mappings()
    )
    golden: list[dict[str, Any]] = []
    provenance: list[dict[str, Any]] = []
    for key, records in sorted(group_records(rows).items()):
        chosen = survive(records)
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


def _with_customer(frame: pl.DataFrame, xref: pl.DataFrame, source_col: str = "source") -> pl.DataFrame:
    """``frame`` with the golden ``customer_key`` of its customer record (null when that record is unknown)."""
    keys = xref.rename({"source": source_col, "source_key": "customer_source_key"})
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("customer_key"))
    return frame.join(keys, on=[source_col, "customer_source_key"], how="left")


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
    keys = _stable_keys(conn, dim_product, "product_key", ["source", "source_key"], rows, insert_new=False)
    conn.execute(dim_product.delete())  # attributes refresh; keys stay as assigned above
    insert_rows(conn, dim_product, ({**r, "product_key": keys[(r["source"], r["source_key"])]} for r in rows))
    return keys


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


def date_key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _fill_dates(conn: Connection, days: list[dt.date]) -> None:
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
    insert_rows(
        conn,
        stg_reject,
        (
            {
                "source": o["source"],
                "entity": entity,
                "record_key": "/".join(str(o[c]) for c in key_cols),
                "rule": "unknown_customer",
                "field": "customer_source_key",
                "message": f"customer record {o['customer_source_key']!r} is not a staged customer (missing or rejected)",
                "land_id": o["land_id"],
                "batch_id": o["batch_id"],
            }
            for o in orphans.unique(subset=["source", *key_cols]).iter_rows(named=True)
        ),
    )


def _sales_facts(
    conn: Connection,
    lines: pl.DataFrame,
    xref: pl.DataFrame,
    products: dict[tuple[Any, ...], int],
    reps: dict[tuple[Any, ...], int],
    channels: dict[tuple[Any, ...], int],
    customer_rep: dict[int, int | None],
) -> int:
    joined = _with_customer(lines, xref)
    _reject_orphans(
        conn, joined.filter(pl.col("customer_key").is_null()), "SalesLine", ["doc_type", "doc_key", "line_no"]
    )
    rows = (
        {
            "source": r["source"],
            "doc_type": r["doc_type"],
            "doc_key": r["doc_key"],
            "line_no": r["line_no"],
            "date_key": date_key(r["txn_date"]),
            "customer_key": r["customer_key"],
            "product_key": products.get((r["source"], r["product_source_key"])),
            "rep_key": reps.get((r["sales_rep"],)) or customer_rep.get(r["customer_key"]),
            "channel_key": channels.get((r["channel"],)),
            "quantity": r["quantity"],
            "unit_price": r["unit_price"],
            "amount": r["amount"],
        }
        for r in joined.filter(pl.col("customer_key").is_not_null()).iter_rows(named=True)
    )
    return insert_rows(conn, fact_sales_line, rows)


def _payment_facts(conn: Connection, staged: pl.DataFrame, xref: pl.DataFrame) -> int:
    joined = _with_customer(staged, xref)
    _reject_orphans(conn, joined.filter(pl.col("customer_key").is_null()), "Payment", ["source_key"])
    rows = (
        {
            "source": r["source"],
            "source_key": r["source_key"],
            "date_key": date_key(r["txn_date"]),
            "customer_key": r["customer_key"],
            "amount": r["amount"],
            "method": r["method"],
        }
        for r in joined.filter(pl.col("customer_key").is_not_null()).iter_rows(named=True)
    )
    return insert_rows(conn, fact_payment, rows)


def _interaction_facts(
    conn: Connection, staged: pl.DataFrame, xref: pl.DataFrame, channels: dict[tuple[Any, ...], int]
) -> int:
    joined = _with_customer(staged, xref, source_col="customer_source")
    _reject_orphans(conn, joined.filter(pl.col("customer_key").is_null()), "Interaction", ["source_key"])
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
        for r in joined.filter(pl.col("customer_key").is_not_null()).iter_rows(named=True)
    )
    return insert_rows(conn, fact_interaction, rows)


def _campaign_facts(
    conn: Connection, campaigns: pl.DataFrame, daily: pl.DataFrame, channels: dict[tuple[Any, ...], int]
) -> int:
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
    keys = _stable_keys(conn, dim_campaign, "campaign_key", ["source", "source_key"], rows, insert_new=False)
    conn.execute(dim_campaign.delete())
    insert_rows(
        conn, dim_campaign, ({**r, "campaign_key": keys[(r["source"], r["source_key"])]} for r in rows)
    )
    facts = (
        {
            "campaign_key": keys[(d["source"], d["campaign_source_key"])],
            "date_key": date_key(d["day"]),
            "spend": d["spend"],
            "impressions": d["impressions"],
            "clicks": d["clicks"],
            "conversions": d["conversions"],
        }
        for d in daily.iter_rows(named=True)
        if (d["source"], d["campaign_source_key"]) in keys
    )
    return insert_rows(conn, fact_campaign_daily, facts)
