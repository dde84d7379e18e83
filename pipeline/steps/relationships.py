"""Relationships: connections between golden customers -> ``customer_relationship`` (rebuilt each run).

Reads every staged customer record with its golden key, the customers' Instagram handles, the text
of their interactions (posts, comments, notes) and the landed version of each staged customer record
with a referral field or note, and writes what ``pipeline.identity.relationships`` finds. The table is replaced in one
transaction, so a re-run gives the same rows.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.identity.relationships import (
    Relationship,
    mention_relationships,
    merge,
    referral_names,
    referral_relationships,
    shared_value_relationships,
)
from pipeline.ops import StepResult
from warehouse.engine import insert_rows
from warehouse.frames import decrypted, is_encrypted, read_frame, stored_form
from warehouse.schema import customer_relationship, customer_xref, fact_interaction, land_record, stg_customer

logger = logging.getLogger(__name__)

#: What the relationships read of a staged customer record (``pipeline.identity.relationships``).
READ: Final = (
    "company_name", "display_name", "given_name", "family_name", "email", "phone", "street", "postcode",
    "country", "website", "instagram_handle",
)  # fmt: skip
#: "Referred By", "referral_source", "ReferrerName" -- but not "PreferredDeliveryMethod".
_REFERRAL: Final = re.compile(r"(?<![a-z])referr", re.IGNORECASE)


def build_relationships(conn: Connection) -> StepResult:
    """Fill ``customer_relationship`` from the current golden customers."""
    records = _records(conn)
    handles = {
        str(r["instagram_handle"]).lower(): int(r["customer_key"])
        for r in records
        if r.get("instagram_handle")
    }
    texts = [
        (int(r.customer_key), str(r.text))
        for r in conn.execute(
            sa.select(fact_interaction.c.customer_key, fact_interaction.c.text).where(
                fact_interaction.c.text.like("%@%")
            )
        )
    ]
    relationships = merge(
        shared_value_relationships(records),
        mention_relationships(handles, texts),
        referral_relationships(_referrals(conn), referral_names(records)),
    )
    conn.execute(customer_relationship.delete())
    written = insert_rows(conn, customer_relationship, (_row(r) for r in relationships))
    kinds: dict[str, int] = {}
    for r in relationships:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    logger.info("%d relationships between customers: %s", written, kinds)
    return StepResult(
        rows_in=len(records) + len(texts),
        rows_out=written,
        lineage={("stg_customer", "customer_relationship"): written},
        message=", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "no relationships",
    )


class _Records:
    """The staged customer records as dicts, made afresh from a frame on each pass (a few rows at a time
    in memory, not one dict per record for the whole step)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._frame.iter_rows(named=True)

    def __len__(self) -> int:
        return self._frame.height


def _records(conn: Connection) -> _Records:
    """The staged customer records' fields the relationships read, with their golden key: whole columns at
    a time, each distinct encrypted value decrypted once."""
    columns = [stg_customer.c[name] for name in READ]
    xref = (customer_xref.c.source == stg_customer.c.source) & (
        customer_xref.c.source_key == stg_customer.c.source_key
    )
    query = (
        sa.select(customer_xref.c.customer_key, *map(stored_form, columns))
        .join(customer_xref, xref)
        .order_by(stg_customer.c.source, stg_customer.c.source_key)  # a handle two records hold: the last
    )
    return _Records(decrypted(conn, read_frame(conn, query), [c.name for c in columns if is_encrypted(c)]))


def _row(r: Relationship) -> dict[str, Any]:
    return {
        "customer_key_a": r.customer_key_a,
        "customer_key_b": r.customer_key_b,
        "kind": r.kind,
        "strength": r.strength,
        "evidence": r.evidence,
    }


def _referrals(conn: Connection) -> list[tuple[int, str]]:
    """(customer, text) for every staged customer record whose landed version has a referral field
    (``Referred By``...) or note: the version the staging row came from, not older ones."""
    lr, stg = land_record, stg_customer
    query = (
        sa.select(lr.c.payload, customer_xref.c.customer_key)
        .join(stg, stg.c.land_id == lr.c.land_id)
        .join(
            customer_xref,
            (customer_xref.c.source == stg.c.source) & (customer_xref.c.source_key == stg.c.source_key),
        )
    )  # payloads are encrypted at rest: the "referr" filter runs here, not in SQL
    out: list[tuple[int, str]] = []
    for payload, key in conn.execute(query):
        if "referr" not in payload.lower():
            continue
        try:
            values = json.loads(payload)
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        for field, value in values.items():
            if (
                isinstance(value, str)
                and value.strip()
                and (_REFERRAL.search(str(field)) or _REFERRAL.search(value))
            ):
                out.append((int(key), value))
    return out
