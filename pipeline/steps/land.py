"""Land: every source record, as received, into ``land_record`` with the batch that first saw it.

A record is new when its content differs from the latest version of its (source, entity, key) landed
before, so landing the same input again adds nothing, a changed record lands as a new version beside
the old one, and a record that comes back after a deletion lands again (and is revived).

Deletions come only from evidence. A file source is a snapshot of everything its system holds (set
``snapshot = false`` for an export that only ever adds): a record landed before but absent from a
*complete* read of its entity was deleted there, and lands as a tombstone, which the stage step applies
as a soft delete. A read is incomplete when any file, page or row of the entity could not be read
(the reader yields it as an unparsed record): nothing of that entity is deleted, and the step's message
says which file and why. Live readers report deletions themselves; a live source that fails to read
changes nothing, and the rest of the batch goes on. Deletions beyond :class:`DeletionLimits` are held
for a steward (``pipeline.deletions``). Records of people erased under GDPR arrive pseudonymised
(``warehouse.privacy.suppress_erased``), exactly as erasure rewrote their landed versions.

A part of a file source (an entity with files of its own, else the whole source) whose files are byte for
byte what its last clean read found is not read again, unless ``reuse`` is off (``--force``): reading it
would land nothing (``pipeline.land_parts`` says when that holds).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline import deletions, land_parts
from pipeline.connectors import CONNECTORS, Connector
from pipeline.connectors.changes import TOMBSTONE, is_tombstone, tombstone
from pipeline.connectors.common import PARSE_ERROR, UNPARSED
from pipeline.deletions import DeletionLimits
from pipeline.errors import ConfigError, SourceError
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.records import RawRecord, SourceConfig
from warehouse.engine import insert_rows
from warehouse.privacy import suppress_erased
from warehouse.schema import land_record

logger = logging.getLogger(__name__)

MAX_REASONS = 5  # unreadable parts named per entity in the step's message


def land(
    conn: Connection,
    sources: Iterable[SourceConfig],
    batch_id: int,
    now: dt.datetime,
    limits: DeletionLimits | None = None,
    reuse: bool = True,
) -> StepResult:
    """Land every record of every source; returns counts, lineage (source -> land_record) and warnings.

    With ``reuse``, parts of file sources unchanged since their last clean read are left unread.
    """
    limits = limits or DeletionLimits()
    rows_in = rows_out = 0
    lineage: dict[tuple[str, str], int] = {}
    warnings: list[str] = []
    for source in sources:
        connector = CONNECTORS.get(source.type)
        if connector is None:
            raise ConfigError(
                f"source {source.name!r} has unknown type {source.type!r}; known: {sorted(CONNECTORS)}"
            )
        snapshot = connector.sync is None and bool(source.options.get("snapshot", True))
        parts = land_parts.parts_of(connector, source)
        skipped = _unchanged(conn, source.name, parts) if reuse and parts else {}
        if land_parts.WHOLE in skipped:  # the whole source as its last clean read found it
            rows_in += skipped[land_parts.WHOLE].records
            lineage[(f"source:{source.name}", "land_record")] = 0
            batch = skipped[land_parts.WHOLE].batch_id
            logger.info("landed %s: unchanged since batch %d, not read", source.name, batch)
            continue
        latest = _latest_versions(conn, source.name, set(skipped))
        try:
            reading = _without(source, parts, skipped)
            records = suppress_erased(conn, source.name, _read(conn, connector, reading, batch_id))
        except Exception as e:  # a live source that fails changes nothing; the others still land
            logger.exception("%s could not be read", source.name)
            warnings.append(f"{source.name}: not read, nothing of it changed ({type(e).__name__}: {e})"[:500])
            continue
        read = _Reading(records, keep_keys=snapshot)
        arrived = _new_rows(read, latest, source.name, batch_id, now, tombstones=read.tombstones)
        landed = insert_rows(conn, land_record, arrived)
        gone = (
            _deleted_since(source, latest, read, now, deletions.kept_absent(conn, source.name))
            if snapshot
            else []
        )
        deletions.release_returned(conn, source.name, read.keys | read.landed, now)
        allowed = [t for t in gone if _is_marker(t.source_key)]  # markers of unreadable parts: not records
        for entity, stones in sorted(_by_entity(gone + read.tombstones).items()):
            live = sum(
                1 for (e, k), (_, dead) in latest.items() if e == entity and not dead and not _is_marker(k)
            )
            reason = limits.reason_to_hold(len(stones), live)
            if reason is None:
                allowed.extend(stones)
                continue
            hold_id = deletions.hold(
                conn, batch_id, source.name, entity, stones, live, reason, _evidence(source, read), now
            )
            warnings.append(f"{source.name} {entity}: {reason}; held for approval (hold {hold_id})")
        deleted = insert_rows(conn, land_record, _new_rows(allowed, latest, source.name, batch_id, now))
        warnings.extend(read.warnings(source.name))
        silent = _silent(source, latest, read) if snapshot else {}
        warnings.extend(silent.values())
        if parts:
            clean = _clean(parts, skipped, read, set(silent))
            land_parts.write(conn, source.name, clean, skipped, batch_id, land_parts.state(conn, source.name))
        rows_in += read.count + sum(k.records for k in skipped.values())
        rows_out += landed + deleted
        lineage[(f"source:{source.name}", "land_record")] = landed + deleted
        logger.info(
            "landed %s: %d read, %d new, %d deleted; unchanged, not read: %s",
            source.name,
            read.count,
            landed,
            deleted,
            ", ".join(sorted(skipped)) or "nothing",
        )
    if not lineage and warnings:
        raise SourceError("all", "no source could be read: " + "; ".join(warnings))
    return StepResult(
        rows_in=rows_in, rows_out=rows_out, lineage=lineage, message="\n".join(warnings) or None
    )


def _unchanged(conn: Connection, source: str, parts: list[land_parts.Part]) -> dict[str, land_parts.Kept]:
    """The parts of ``source`` its last clean reads found as they are now."""
    return land_parts.unchanged(parts, land_parts.kept(conn, source), land_parts.state(conn, source))


def _without(
    source: SourceConfig, parts: list[land_parts.Part], skipped: Mapping[str, land_parts.Kept]
) -> SourceConfig:
    """The source, reading only the entities that are not left unread."""
    if not skipped:
        return source
    entities = [p.name for p in parts if p.name not in skipped]
    return replace(source, options={**source.options, "entities": entities})


def _clean(
    parts: list[land_parts.Part],
    skipped: Mapping[str, land_parts.Kept],
    read: _Reading,
    silent: set[str],
) -> dict[land_parts.Part, int]:
    """Part -> records read, for the parts read this time whose read was clean: every file parsed, no key
    twice, nothing warned about. Reading such a part again unchanged lands nothing and warns of nothing."""
    entities = set(read.entities) | set(read.unreadable) | silent

    def ok(entity: str) -> bool:
        return not read.unreadable.get(entity) and entity not in silent and entity not in read.repeated

    clean = {}
    for part in parts:
        if part.name in skipped:
            continue
        if part.name == land_parts.WHOLE and all(ok(e) for e in entities):
            clean[part] = read.count
        elif part.name != land_parts.WHOLE and ok(part.name):
            clean[part] = read.entities[part.name]
    return clean


def _read(conn: Connection, connector: Connector, source: SourceConfig, batch_id: int) -> Iterable[RawRecord]:
    """A source's records. A live reader is read whole first, and its position kept in ``ops_watermark``
    only once it has finished, so a reader that fails part-way moves nothing."""
    if source.var_dir is None:
        source = replace(source, var_dir=_var_dir())
    name = connector.position_name(source)
    if name is None:
        return connector.read(source)
    position = _BufferedPosition(conn, name)
    records = list(connector.read(source, position))
    position.write(batch_id)
    return records


def _var_dir() -> Path:
    """The settings' ``var_dir``, given to every source (imported late: tests point ``C360_VAR_DIR`` elsewhere)."""
    from settings import get_settings

    return get_settings().var_dir


class _BufferedPosition:
    """A live reader's position in ``ops_watermark``; what the reader saves waits in memory for :meth:`write`."""

    def __init__(self, conn: Connection, name: str) -> None:
        self._conn = conn
        self._name = name
        self._saved: str | None = None

    def load(self) -> str | None:
        return self._saved if self._saved is not None else get_watermark(self._conn, self._name) or None

    def save(self, value: str) -> None:
        self._saved = value

    def write(self, batch_id: int) -> None:
        """Keep the last saved position with the batch (nothing when the reader saved none)."""
        if self._saved is not None:
            set_watermark(self._conn, self._name, self._saved, batch_id)


def _latest_versions(
    conn: Connection, source: str, unread: set[str] | None = None
) -> dict[tuple[str, str], tuple[str, bool]]:
    """(entity, key) -> (content hash, is a tombstone) of each record's latest landed version, but for the
    ``unread`` entities (left unread: none of their records takes part)."""
    where = land_record.c.source == source
    if unread:
        where &= land_record.c.entity.not_in(sorted(unread))
    latest = (
        sa.select(sa.func.max(land_record.c.land_id))
        .where(where)
        .group_by(land_record.c.entity, land_record.c.source_key)
    )
    query = sa.select(
        land_record.c.entity,
        land_record.c.source_key,
        land_record.c.content_hash,
        land_record.c.payload,  # encrypted at rest: read whole, so a tombstone is told in Python
    ).where(land_record.c.land_id.in_(latest))
    dead = (f'"{TOMBSTONE}":true', f'"{TOMBSTONE}": true')  # stored compact; with spaces by earlier versions
    return {(r[0], r[1]): (r[2], any(d in r[3] for d in dead)) for r in conn.execute(query)}


def _deleted_since(
    source: SourceConfig,
    latest: Mapping[tuple[str, str], tuple[str, bool]],
    read: _Reading,
    now: dt.datetime,
    kept: Mapping[tuple[str, str], str],
) -> list[RawRecord]:
    """Tombstones for records landed before that a complete read of their entity no longer holds.

    An entity that reads nothing at all (dropped from the config, a missing file) or whose read is
    incomplete keeps its records; so does a record whose deletion a steward held or discarded.
    """
    present = {k: h for k, (h, dead) in latest.items() if not dead and not _is_marker(k[1])}
    complete = {entity for entity, _ in read.keys} - set(read.unreadable)
    gone = sorted(
        k for k in set(present) - read.keys if k[0] in complete and kept.get(k) != present[k]
    ) + sorted(k for k in set(latest) - read.keys if _is_marker(k[1]) and not latest[k][1])
    counts = Counter(entity for entity, _ in gone)
    for entity, n in sorted(counts.items()):
        logger.info(
            "%s %s: %d records no longer in a complete read: deleted at the source", source.name, entity, n
        )
    return [
        tombstone(
            source.name,
            entity,
            key,
            now,
            latest[(entity, key)][0],
            {"evidence": "absent from a complete read"},
        )
        for entity, key in gone
    ]


def _silent(
    source: SourceConfig, latest: Mapping[tuple[str, str], tuple[str, bool]], read: _Reading
) -> dict[str, str]:
    """Entity -> a line, for each entity that held records but read none this time (a missing file): they are kept."""
    held = Counter(e for (e, k), (_, dead) in latest.items() if not dead and not _is_marker(k))
    read_entities = {entity for entity, _ in read.keys}
    return {
        entity: f"{source.name} {entity}: nothing read from {source.path}; its {n} records are kept"
        for entity, n in sorted(held.items())
        if entity not in read_entities
    }


def _is_marker(key: str) -> bool:
    """A record keyed by its place in a file, not by its source: an unreadable part, or an object without an id."""
    return key.startswith("nokey:")


def _by_entity(tombstones: Iterable[RawRecord]) -> dict[str, list[RawRecord]]:
    """Tombstones of records with a source key, by entity."""
    grouped: dict[str, list[RawRecord]] = defaultdict(list)
    for t in tombstones:
        if not _is_marker(t.source_key):
            grouped[t.entity].append(t)
    return grouped


def _evidence(source: SourceConfig, read: _Reading) -> str:
    """What the read that would delete was made of: the source's files, their sizes and times."""
    if source.path is None:
        return f"{source.name} ({source.type}) reported the deletions itself"
    files = (
        [source.path] if source.path.is_file() else sorted(p for p in source.path.rglob("*") if p.is_file())
    )
    lines = [f"{source.name} ({source.type}) read {read.count} records from {source.path}:"]
    lines += [_describe(p, source.path) for p in files[:200]]
    return "\n".join(lines)


def _describe(path: Path, root: Path) -> str:
    stat = path.stat()
    when = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    name = path.relative_to(root) if path != root else path.name
    return f"  {name}: {stat.st_size:,} bytes, modified {when} UTC"


def _new_rows(
    records: Iterable[RawRecord],
    latest: dict[tuple[str, str], tuple[str, bool]],
    source: str,
    batch_id: int,
    now: dt.datetime,
    tombstones: list[RawRecord] | None = None,
) -> Iterator[Mapping[str, Any]]:
    """Rows for records whose content differs from their latest landed version (which they become).

    Tombstones are set aside in ``tombstones`` when given (the circuit breaker looks at them first).
    """
    for record in records:
        if tombstones is not None and is_tombstone(record.payload):
            tombstones.append(record)
            continue
        text = record.canonical_json()  # serialised once: hashed and stored
        content_hash = record.content_hash(text)
        version = (record.entity, record.source_key)
        if latest.get(version, ("", False))[0] == content_hash:
            continue
        latest[version] = (content_hash, is_tombstone(record.payload))  # the same version twice lands once
        yield {
            "source": source,
            "entity": record.entity,
            "source_key": record.source_key,
            "content_hash": content_hash,
            "payload": text,
            "received_at": now,
            "batch_id": batch_id,
        }


class _Reading:
    """Counts the records a reader yields while they stream through, and notes what it could not read."""

    def __init__(self, records: Iterable[RawRecord], keep_keys: bool = False) -> None:
        self._records = records
        self._keep_keys = keep_keys
        self.count = 0
        self.entities: Counter[str] = Counter()  # records read, by entity
        self.repeated: set[str] = set()  # entities with a key read twice (or a deletion reported)
        self.keys: set[tuple[str, str]] = set()  # (entity, key) read, when asked to keep them
        self.unreadable: dict[str, list[str]] = defaultdict(list)  # entity -> why a part of it was not read
        self.tombstones: list[RawRecord] = []  # deletions a live reader reported
        self.landed: set[tuple[str, str]] = set()  # (entity, key) of records a live reader sent

    def __iter__(self) -> Iterator[RawRecord]:
        for record in self._records:
            self.count += 1
            self.entities[record.entity] += 1
            seen = self.keys if self._keep_keys else self.landed
            if self._keep_keys or not is_tombstone(record.payload):
                size = len(seen)
                seen.add((record.entity, record.source_key))
                if len(seen) == size:
                    self.repeated.add(record.entity)
            else:
                self.repeated.add(record.entity)  # a deletion among the records: not a plain snapshot
            if UNPARSED in record.payload:
                self.unreadable[record.entity].append(str(record.payload.get(PARSE_ERROR)))
            yield record

    def warnings(self, source: str) -> list[str]:
        """One line per entity whose read was incomplete, naming the parts that failed."""
        lines = []
        for entity, reasons in sorted(self.unreadable.items()):
            shown = "; ".join(reasons[:MAX_REASONS]) + (
                f"; and {len(reasons) - MAX_REASONS} more" if len(reasons) > MAX_REASONS else ""
            )
            lines.append(f"{source} {entity}: read incomplete, nothing of it deleted: {shown}"[:1000])
        return lines
