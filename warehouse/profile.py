"""The customer profile: a golden customer, where each of its values came from, and its history.

Reads only; the pipeline writes these tables. Used by the portal's customer page and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope, mask_provenance, mask_record, mask_rows
from warehouse.schema import customer_xref, dim_customer, golden_field, identity_event, stg_customer


@dataclass(frozen=True)
class Profile:
    customer: dict[str, Any]
    provenance: dict[str, dict[str, Any]]  # field -> value, source, source_key, rule, candidates
    records: list[dict[str, Any]]  # the staged source records resolved to this customer
    events: list[dict[str, Any]]  # new / merge / split, newest first


def provenance_query(customer_key: int) -> sa.Select[Any]:
    return (
        sa.select(golden_field)
        .where(golden_field.c.customer_key == customer_key)
        .order_by(golden_field.c.field)
    )


def records_query(customer_key: int) -> sa.Select[Any]:
    s, x = stg_customer, customer_xref
    return (
        sa.select(s, x.c.match_rule)
        .join(x, (x.c.source == s.c.source) & (x.c.source_key == s.c.source_key))
        .where(x.c.customer_key == customer_key)
        .order_by(s.c.source, s.c.source_key)
    )


def events_query(customer_key: int) -> sa.Select[Any]:
    e = identity_event
    return (
        sa.select(e)
        .where((e.c.customer_key == customer_key) | (e.c.other_key == customer_key))
        .order_by(e.c.batch_id.desc(), e.c.seq.desc())
    )


def customer_query(customer_key: int, viewer: Viewer | None = None) -> sa.Select[Any]:
    """The golden record of one customer; with a ``viewer``, none unless they may read it."""
    scope = sa.true() if viewer is None else customer_scope(viewer)
    return sa.select(dim_customer).where(dim_customer.c.customer_key == customer_key, scope)


def customer_profile(warehouse: Warehouse, customer_key: int, viewer: Viewer | None = None) -> Profile | None:
    """The profile of one golden customer, or None when there is no such customer or (with a ``viewer``)
    they may not read it: a forbidden customer looks exactly like a missing one. Personal data is masked
    as the policy says for ``viewer``."""
    with warehouse.begin() as conn:
        row = conn.execute(customer_query(customer_key, viewer)).mappings().first()
        if row is None:
            return None
        provenance = {
            r["field"]: {k: r[k] for k in ("value", "source", "source_key", "rule", "candidates")}
            for r in conn.execute(provenance_query(customer_key)).mappings()
        }
        records = [dict(r) for r in conn.execute(records_query(customer_key)).mappings()]
        events = [dict(r) for r in conn.execute(events_query(customer_key)).mappings()]
    if viewer is None:
        return Profile(dict(row), provenance, records, events)
    return Profile(
        mask_record(viewer, dict(row)),
        mask_provenance(viewer, provenance),
        mask_rows(viewer, records),
        events,
    )
