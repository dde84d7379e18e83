"""Land: every source record, as received, into ``land_record`` with the batch that first saw it.

A record is new when its (source, entity, key, content hash) has not landed before, so landing the
same input again adds nothing, and a changed record lands as a new version beside the old one.

A file source is a snapshot of everything its system holds (set ``snapshot = false`` for an export
that only ever adds): a record landed before but absent from the files now was deleted there, and
lands as a tombstone, which the stage step honours. Live readers report deletions themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.connectors import CONNECTORS, Connector
from pipeline.connectors.changes import TOMBSTONE, SyncState, tombstone
from pipeline.errors import ConfigError, SourceError
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.records import RawRecord, SourceConfig
from warehouse.engine import insert_rows
from warehouse.schema import land_record

logger = logging.getLogger(__name__)


def land(conn: Connection, sources: Iterable[SourceConfig], batch_id: int, now: dt.datetime) -> StepResult:
    """Land every record of every source; returns counts and lineage (source -> land_record)."""
    rows_in = rows_out = 0
    lineage: dict[tuple[str, str], int] = {}
    for source in sources:
        connector = CONNECTORS.get(source.type)
        if connector is None:
            raise ConfigError(
                f"source {source.name!r} has unknown type {source.type!r}; known: {sorted(CONNECTORS)}"
            )
        snapshot = connector.sync is None and bool(source.options.get("snapshot", True))
        seen = _landed_versions(conn, source.name)
        present = _present(conn, source.name) if snapshot else {}
        counted = _Counter(_read(conn, connector, source, batch_id), keep_keys=snapshot)
        landed = insert_rows(conn, land_record, _new_rows(counted, seen, source.name, batch_id, now))
        deleted = 0
        if snapshot:
            gone = _deleted_since(source.name, present, counted, now)
            deleted = insert_rows(conn, land_record, _new_rows(gone, seen, source.name, batch_id, now))
        rows_in += counted.count
        rows_out += landed + deleted
        lineage[(f"source:{source.name}", "land_record")] = landed + deleted
        logger.info("landed %s: %d read, %d new, %d deleted", source.name, counted.count, landed, deleted)
    return StepResult(rows_in=rows_in, rows_out=rows_out, lineage=lineage)


def _read(conn: Connection, connector: Connector, source: SourceConfig, batch_id: int) -> Iterator[RawRecord]:
    """Read a source; a live reader's position is kept in ``ops_watermark``, moving with this transaction."""
    mark = f"extract:{source.name}"
    read: Any = connector.read  # live readers take keyword arguments the Reader type does not show
    if connector.sync == "watermark":
        return iter(
            read(
                source,
                watermark=get_watermark(conn, mark) or None,
                on_watermark=lambda value: set_watermark(conn, mark, value, batch_id),
            )
        )
    if connector.sync == "state":
        return iter(read(source, store=WarehouseStateStore(conn, batch_id)))
    return iter(read(source))


class WarehouseStateStore:
    """A live reader's sync state (keys and content hashes it has seen) kept in ``ops_watermark``."""

    def __init__(self, conn: Connection, batch_id: int) -> None:
        self._conn = conn
        self._batch_id = batch_id

    def load(self, source: str) -> SyncState:
        return SyncState.from_json(get_watermark(self._conn, f"sync:{source}"))

    def save(self, source: str, state: SyncState) -> None:
        set_watermark(self._conn, f"sync:{source}", state.to_json(), self._batch_id)


def _present(conn: Connection, source: str) -> dict[tuple[str, str], str]:
    """(entity, key) -> content hash of each record whose latest landed version is not a tombstone."""
    latest = (
        sa.select(sa.func.max(land_record.c.land_id))
        .where(land_record.c.source == source)
        .group_by(land_record.c.entity, land_record.c.source_key)
    )
    query = sa.select(land_record.c.entity, land_record.c.source_key, land_record.c.content_hash).where(
        land_record.c.land_id.in_(latest)
        & ~land_record.c.payload.contains(f'"{TOMBSTONE}": true', autoescape=True)
    )
    return {(r.entity, r.source_key): r.content_hash for r in conn.execute(query)}


def _deleted_since(
    source: str, present: Mapping[tuple[str, str], str], read: _Counter, now: dt.datetime
) -> list[RawRecord]:
    """Tombstones for records landed before that the files no longer hold.

    Only entities the files still hold can lose records: an entity that reads nothing at all (dropped from
    the config, a missing file) is kept and reported, and a source that reads nothing is an error.
    """
    if present and not read.keys:
        raise SourceError(
            source,
            f"read no records, so all {len(present)} landed before would count as deleted; check the path, "
            "or set snapshot = false if this source's files only ever add records",
        )
    entities = {entity for entity, _ in read.keys}
    silent = sorted({entity for entity, _ in present} - entities)
    if silent:
        logger.warning("%s: nothing read for %s; their records are kept, not deleted", source, silent)
    gone = sorted(k for k in set(present) - read.keys if k[0] in entities)
    if gone:
        logger.info("%s: %d records no longer in the files: deleted at the source", source, len(gone))
    return [tombstone(source, entity, key, now, present[(entity, key)], {}) for entity, key in gone]


def _landed_versions(conn: Connection, source: str) -> set[tuple[str, str, str]]:
    query = sa.select(land_record.c.entity, land_record.c.source_key, land_record.c.content_hash).where(
        land_record.c.source == source
    )
    return {(r.entity, r.source_key, r.content_hash) for r in conn.execute(query)}


def _new_rows(
    records: Iterable[RawRecord],
    seen: set[tuple[str, str, str]],
    source: str,
    batch_id: int,
    now: dt.datetime,
) -> Iterator[Mapping[str, Any]]:
    for record in records:
        content_hash = record.content_hash()
        version = (record.entity, record.source_key, content_hash)
        if version in seen:
            continue
        seen.add(version)  # the same version twice in one read lands once
        yield {
            "source": source,
            "entity": record.entity,
            "source_key": record.source_key,
            "content_hash": content_hash,
            "payload": json.dumps(record.payload, sort_keys=True, default=str, ensure_ascii=False),
            "received_at": now,
            "batch_id": batch_id,
        }


class _Counter:
    """Counts the records a reader yields while they stream through."""

    def __init__(self, records: Iterator[RawRecord], keep_keys: bool = False) -> None:
        self._records = records
        self._keep_keys = keep_keys
        self.count = 0
        self.keys: set[tuple[str, str]] = set()  # (entity, key) read, when asked to keep them

    def __iter__(self) -> Iterator[RawRecord]:
        for record in self._records:
            self.count += 1
            if self._keep_keys:
                self.keys.add((record.entity, record.source_key))
            yield record
