"""Read queries for the data-quality page: the latest batch's column profiles beside the previous ones, rejects
and flagged fields.

Builders (``*_query``) return SQLAlchemy Core statements and touch no database; runners take a
:class:`~warehouse.engine.Warehouse` and return rows as dicts.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import ops_profile, stg_field_flag, stg_reject

PROFILE_KEY = ("source", "table_name", "column_name")


def profile_batches_query() -> sa.Select[Any]:
    """The two newest batches that have column profiles, newest first."""
    p = ops_profile
    return sa.select(p.c.batch_id).group_by(p.c.batch_id).order_by(p.c.batch_id.desc()).limit(2)


def profiles_query(batch_id: int) -> sa.Select[Any]:
    p = ops_profile
    return sa.select(p).where(p.c.batch_id == batch_id).order_by(*(p.c[c] for c in PROFILE_KEY))


def latest_profiles(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The newest batch's profiles, each with ``previous`` (the same column's profile one batch before, or None)."""
    with warehouse.engine.connect() as conn:
        batches = [int(b) for b in conn.execute(profile_batches_query()).scalars()]
        if not batches:
            return []
        rows = [dict(r) for r in conn.execute(profiles_query(batches[0])).mappings()]
        before = (
            {
                tuple(r[c] for c in PROFILE_KEY): dict(r)
                for r in conn.execute(profiles_query(batches[1])).mappings()
            }
            if len(batches) > 1
            else {}
        )
    for row in rows:
        row["patterns"] = json.loads(row["top_patterns"])
        previous = before.get(tuple(row[c] for c in PROFILE_KEY))
        if previous is not None:
            previous["patterns"] = json.loads(previous["top_patterns"])
        row["previous"] = previous
    return rows


def reject_counts_query() -> sa.Select[Any]:
    """Quarantined records per source, entity and rule, with one example message, most first."""
    r = stg_reject
    count = sa.func.count().label("records")
    return (
        sa.select(r.c.source, r.c.entity, r.c.rule, count, sa.func.min(r.c.message).label("example"))
        .group_by(r.c.source, r.c.entity, r.c.rule)
        .order_by(count.desc(), r.c.source, r.c.entity, r.c.rule)
    )


def reject_counts(warehouse: Warehouse) -> list[dict[str, Any]]:
    with warehouse.engine.connect() as conn:
        return [dict(r) for r in conn.execute(reject_counts_query()).mappings()]


def field_flag_counts_query() -> sa.Select[Any]:
    """Fields staged empty because their value broke a rule, per source, entity, field and rule, with one
    example (the raw value and the message), most first."""
    f = stg_field_flag
    count = sa.func.count().label("records")
    return (
        sa.select(
            f.c.source,
            f.c.entity,
            f.c.field,
            f.c.rule,
            count,
            sa.func.min(f.c.message).label("example"),
        )
        .group_by(f.c.source, f.c.entity, f.c.field, f.c.rule)
        .order_by(count.desc(), f.c.source, f.c.entity, f.c.field, f.c.rule)
    )


def field_flag_counts(warehouse: Warehouse) -> list[dict[str, Any]]:
    with warehouse.engine.connect() as conn:
        return [dict(r) for r in conn.execute(field_flag_counts_query()).mappings()]
