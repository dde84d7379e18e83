"""The warehouse's data version: a value that changes whenever what the portal and the live view show may have.

It changes when a batch starts and again when it ends, and with what changes customers outside batches: a
completed privacy request (an erasure) and the stewards' field overrides. Caches keyed by it never serve
data from before such a change.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import golden_override, ops_batch_run, privacy_request


def data_version_query() -> sa.Select[Any]:
    """The latest batch, its status and end, the last completed privacy request, and the overrides' count and newest."""
    b, r, o = ops_batch_run.c, privacy_request.c, golden_override.c
    latest = sa.select(ops_batch_run).order_by(b.batch_id.desc()).limit(1).subquery()
    return sa.select(
        sa.select(latest.c.batch_id).scalar_subquery(),
        sa.select(latest.c.status).scalar_subquery(),
        sa.select(latest.c.finished_at).scalar_subquery(),
        sa.select(sa.func.max(r.completed_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(golden_override).scalar_subquery(),
        sa.select(sa.func.max(o.set_at)).scalar_subquery(),
    )


def data_version(warehouse: Warehouse) -> tuple[Any, ...]:
    """The current data version (compare for equality only)."""
    rows = warehouse.rows(data_version_query())
    return tuple(rows[0].values()) if rows else ()
