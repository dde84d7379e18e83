"""Consent and lawful basis per purpose, and the opt-outs every contact or campaign list must leave out.

``privacy_consent`` is append-only: the latest row per (customer, purpose) is the one in force. A
customer is opted out of a purpose when that row says ``granted = False`` (consent withdrawn, or an
objection to legitimate-interest processing: the CCPA's opt-out), and of every purpose once erased.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.privacy.requests import (
    PrivacyError,
    check_customer,
    complete_request,
    erased_keys_query,
    open_request,
    utc_now,
)
from warehouse.schema import privacy_consent

logger = logging.getLogger(__name__)

PURPOSES = ("marketing_email", "marketing_sms", "marketing_phone", "profiling", "analytics")
LAWFUL_BASES = ("consent", "contract", "legitimate_interest", "legal_obligation")
#: Purposes the next-best-action and prospect lists serve: the actions are direct marketing chosen by profiling.
ACTION_PURPOSES = ("profiling", "marketing_phone")

Frame = TypeVar("Frame")


def record_consent(
    warehouse: Warehouse,
    customer_key: int,
    purpose: str,
    granted: bool,
    by: str,
    lawful_basis: str = "consent",
    source: str = "portal",
    now: Callable[[], dt.datetime] = utc_now,
) -> None:
    """Record a grant or a withdrawal; a withdrawal is also kept as an opt-out request."""
    if purpose not in PURPOSES:
        raise PrivacyError(
            f"customer {customer_key}: purpose {purpose!r} is not one of {', '.join(PURPOSES)}"
        )
    if lawful_basis not in LAWFUL_BASES:
        raise PrivacyError(
            f"customer {customer_key}: lawful basis {lawful_basis!r} is not one of {', '.join(LAWFUL_BASES)}"
        )
    with warehouse.begin() as conn:
        check_customer(conn, customer_key)
        at = now()
        conn.execute(
            privacy_consent.insert().values(
                customer_key=customer_key,
                purpose=purpose,
                lawful_basis=lawful_basis,
                granted=granted,
                source=source[:80],
                recorded_at=at,
                recorded_by=by[:80],
            )
        )
        if not granted:
            request_id = open_request(conn, "opt_out", customer_key, by, at)
            complete_request(conn, request_id, at, {"purpose": purpose, "lawful_basis": lawful_basis})
    logger.info("customer %d: %s %s", customer_key, purpose, "granted" if granted else "withdrawn")


def opted_out_query(purposes: tuple[str, ...]) -> sa.Select[Any]:
    """Golden keys opted out of any of ``purposes`` (their latest row says not granted), or erased."""
    latest = (
        sa.select(sa.func.max(privacy_consent.c.consent_id))
        .where(privacy_consent.c.purpose.in_(purposes))
        .group_by(privacy_consent.c.customer_key, privacy_consent.c.purpose)
    )
    withdrawn = sa.select(privacy_consent.c.customer_key).where(
        privacy_consent.c.consent_id.in_(latest), privacy_consent.c.granted.is_(False)
    )
    return sa.union(withdrawn, erased_keys_query())  # type: ignore[return-value]


def opted_out(warehouse: Warehouse, purpose: str) -> set[int]:
    """Golden keys that must not be processed for ``purpose``."""
    if purpose not in PURPOSES:
        raise PrivacyError(f"purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
    with warehouse.begin() as conn:
        return {int(k) for k in conn.execute(opted_out_query((purpose,))).scalars()}


def exclude_opted_out(frame: Frame, warehouse: Warehouse, purpose: str) -> Frame:
    """``frame`` without the customers opted out of ``purpose``: a polars or pandas frame with a
    ``customer_key`` column, or a list of row dicts with that key."""
    out = opted_out(warehouse, purpose)
    data: Any = frame
    if isinstance(data, list):
        return [row for row in data if row["customer_key"] not in out]  # type: ignore[return-value]
    if "customer_key" not in data.columns:
        raise PrivacyError(f"cannot filter for {purpose!r}: the frame has no customer_key column")
    if isinstance(data, pl.DataFrame):
        return data.filter(~pl.col("customer_key").is_in(sorted(out)))  # type: ignore[return-value]
    return data[~data["customer_key"].isin(sorted(out))]  # type: ignore[no-any-return]


def consents_for(warehouse: Warehouse, customer_key: int) -> list[dict[str, Any]]:
    """Every consent row of one customer, oldest first (their history)."""
    query = (
        sa.select(privacy_consent)
        .where(privacy_consent.c.customer_key == customer_key)
        .order_by(privacy_consent.c.consent_id)
    )
    return warehouse.rows(query)
