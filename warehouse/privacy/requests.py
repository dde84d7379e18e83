"""Data-subject requests (access, erasure, opt-out) kept in ``privacy_request`` as evidence of what was done."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.engine import WarehouseError
from warehouse.schema import dim_customer, privacy_request

logger = logging.getLogger(__name__)

KINDS = ("access", "erasure", "opt_out")


class PrivacyError(Exception):
    """A privacy request cannot be carried out as asked (unknown customer, unknown purpose ...)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def check_customer(conn: Connection, customer_key: int) -> None:
    """Refuse a request about a golden key the warehouse does not hold."""
    found = conn.execute(
        sa.select(dim_customer.c.customer_key).where(dim_customer.c.customer_key == customer_key)
    ).first()
    if found is None:
        raise PrivacyError(f"customer {customer_key}: no such golden customer (dim_customer)")


def open_request(conn: Connection, kind: str, customer_key: int, by: str, now: dt.datetime) -> int:
    """Insert an open request and return its id."""
    if kind not in KINDS:
        raise PrivacyError(f"request kind {kind!r} is not one of {', '.join(KINDS)}")
    result = conn.execute(
        privacy_request.insert().values(
            kind=kind, customer_key=customer_key, requested_at=now, requested_by=by[:80], status="open"
        )
    )
    key = result.inserted_primary_key
    if key is None:
        raise WarehouseError("insert returned no request_id", table=privacy_request.name)
    return int(key[0])


def complete_request(
    conn: Connection, request_id: int, now: dt.datetime, summary: Mapping[str, Any], status: str = "completed"
) -> None:
    """Mark a request done, with what was done."""
    conn.execute(
        privacy_request.update()
        .where(privacy_request.c.request_id == request_id)
        .values(completed_at=now, status=status, summary=json.dumps(summary, sort_keys=True, default=str))
    )


def requests_for(conn: Connection, customer_key: int) -> list[dict[str, Any]]:
    """Every request about one customer, oldest first."""
    query = (
        sa.select(privacy_request)
        .where(privacy_request.c.customer_key == customer_key)
        .order_by(privacy_request.c.request_id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def erased_keys_query() -> sa.Select[Any]:
    """Golden keys of people erased (a completed erasure request)."""
    return sa.select(privacy_request.c.customer_key).where(
        privacy_request.c.kind == "erasure", privacy_request.c.status == "completed"
    )


def erasure_count(conn: Connection) -> int:
    """Completed erasures: a step whose rows an erasure rewrites in place builds in full when this moves."""
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(erased_keys_query().subquery())).scalar_one()
    )
