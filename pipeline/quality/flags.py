"""Field flags: a field that broke its rule, kept raw in ``stg_field_flag`` while its record stages without it.

Stagers return flags as ``stg_field_flag`` rows beside the record's other rows (see
``pipeline.connectors.common.Fields``). The newest staged version of a record owns its flags: staging it
again replaces them (a clean version leaves none), and a version that was rejected leaves them as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.engine import insert_rows
from warehouse.schema import stg_field_flag

logger = logging.getLogger(__name__)

__all__ = ["replace_field_flags"]

TABLE = stg_field_flag.name


def replace_field_flags(
    conn: Connection,
    source: str,
    landed: Sequence[Mapping[str, Any]],
    staged: dict[str, list[dict[str, Any]]],
    rejects: Sequence[Mapping[str, Any]],
) -> int:
    """Write the flags of a staged chunk (taking them out of ``staged``); returns how many were written.

    ``landed`` is the chunk of ``land_record`` rows, ``staged`` the rows its stager gave per table (with
    ``land_id``), ``rejects`` the chunk's ``stg_reject`` rows.
    """
    flags = staged.pop(TABLE, [])
    record_of = {int(land["land_id"]): (str(land["entity"]), str(land["source_key"])) for land in landed}
    refused = {int(r["land_id"]) for r in rejects}
    newest: dict[tuple[str, str], int] = {}
    for rows in [*staged.values(), flags]:
        for row in rows:
            land_id = int(row["land_id"])
            if land_id in record_of and land_id not in refused:
                key = record_of[land_id]
                newest[key] = max(newest.get(key, land_id), land_id)
    kept = [f for f in flags if newest.get((f["entity"], f["record_key"])) == int(f["land_id"])]
    if newest:
        conn.execute(
            stg_field_flag.delete().where(
                (stg_field_flag.c.source == source)
                & (stg_field_flag.c.entity == sa.bindparam("e"))
                & (stg_field_flag.c.record_key == sa.bindparam("k"))
            ),
            [{"e": e, "k": k} for e, k in sorted(newest)],
        )
    insert_rows(conn, stg_field_flag, kept)
    if kept:
        logger.info("%s: %d fields flagged and staged without their value", source, len(kept))
    return len(kept)
