"""Match (exact keys only): every staged customer record gets a golden customer key.

This is the interim matcher, named for what it does: records with the same normalised e-mail or
phone share a golden customer; anything else starts a new one. Keys are never renumbered: a record
matched once keeps its key, and new keys continue from the highest one. ``pipeline.identity``
replaces the rules with probabilistic matching.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.ops import StepResult
from warehouse.engine import insert_rows
from warehouse.schema import customer_xref, stg_customer

logger = logging.getLogger(__name__)


def match(conn: Connection, batch_id: int) -> StepResult:
    """Give every unmatched staged customer a key: an existing one on an exact e-mail/phone match, else a new one."""
    staged = conn.execute(
        sa.select(
            stg_customer.c.source, stg_customer.c.source_key, stg_customer.c.email, stg_customer.c.phone
        )
    ).all()
    known = {(r.source, r.source_key): r.customer_key for r in conn.execute(sa.select(customer_xref))}
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    for row in staged:
        key = known.get((row.source, row.source_key))
        if key is not None:
            _remember(row, key, by_email, by_phone)
    next_key = max(known.values(), default=0) + 1
    new_rows: list[dict[str, Any]] = []
    for row in sorted(
        (r for r in staged if (r.source, r.source_key) not in known), key=lambda r: (r.source, r.source_key)
    ):
        key, rule = _exact_match(row, by_email, by_phone)
        if key is None:
            key, rule, next_key = next_key, "new", next_key + 1
        _remember(row, key, by_email, by_phone)
        new_rows.append(
            {
                "source": row.source,
                "source_key": row.source_key,
                "customer_key": key,
                "match_rule": rule,
                "batch_id": batch_id,
            }
        )
    insert_rows(conn, customer_xref, new_rows)
    created = sum(1 for r in new_rows if r["match_rule"] == "new")
    logger.info(
        "matched %d new records: %d new customers, %d joined existing",
        len(new_rows),
        created,
        len(new_rows) - created,
    )
    return StepResult(
        rows_in=len(staged),
        rows_out=len(new_rows),
        lineage={("stg_customer", "customer_xref"): len(new_rows)},
    )


def _exact_match(row: Any, by_email: dict[str, int], by_phone: dict[str, int]) -> tuple[int | None, str]:
    if row.email and row.email.lower() in by_email:
        return by_email[row.email.lower()], "exact_email"
    if row.phone and row.phone in by_phone:
        return by_phone[row.phone], "exact_phone"
    return None, "new"


def _remember(row: Any, key: int, by_email: dict[str, int], by_phone: dict[str, int]) -> None:
    if row.email:
        by_email.setdefault(row.email.lower(), key)
    if row.phone:
        by_phone.setdefault(row.phone, key)
