"""The land step's hook: records of erased people arrive already pseudonymised, so they never land in clear."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.records import RawRecord
from warehouse.privacy.pseudonym import rewrite_payload
from warehouse.schema import privacy_suppression

logger = logging.getLogger(__name__)


def suppressed(conn: Connection, source: str) -> dict[tuple[str, str], str]:
    """(entity, source_key) -> pseudonym of every suppressed record of ``source``."""
    query = sa.select(
        privacy_suppression.c.entity, privacy_suppression.c.source_key, privacy_suppression.c.pseudonym
    ).where(privacy_suppression.c.source == source)
    return {(r[0], r[1]): r[2] for r in conn.execute(query)}


def suppress_erased(conn: Connection, source: str, records: Iterable[RawRecord]) -> Iterable[RawRecord]:
    """``records`` with those of erased people rewritten as erasure rewrote their landed versions."""
    table = suppressed(conn, source)
    if not table:
        return records
    return _rewritten(records, table)


def _rewritten(records: Iterable[RawRecord], table: dict[tuple[str, str], str]) -> Iterator[RawRecord]:
    count = 0
    for record in records:
        alias = table.get((record.entity, record.source_key))
        if alias is None:
            yield record
            continue
        count += 1
        yield RawRecord(
            record.source, record.entity, record.source_key, rewrite_payload(record.payload, alias)
        )
    if count:
        logger.info("%d records of erased people pseudonymised on landing", count)
