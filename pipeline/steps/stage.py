"""Stage: landed records become typed, standardised staging rows, or rejects with their reason.

Each source's stager (``pipeline.connectors``) maps one raw record to rows; the newest landed version
of a record replaces the rows of older ones, and a tombstone (the stager raises ``Deleted``) is a soft
delete: the rows the record's earlier versions staged leave the staging tables, so no later step counts
them, and are kept in ``stg_deletion`` with the time, the batch and the evidence. A record that comes
back stages again and its deletion is marked revived. A per-source watermark (the last ``land_id`` staged)
makes the step incremental and, because it moves in the same transaction, safe to re-run.

A source with three chunks or more left (two once they run) is typed in worker processes (``pipeline.pool``; the settings'
``stage_workers``): they type the next chunks while this process reads and writes, and the results are
written in landing order, so the rows, rejects, watermarks and lineage are those of typing in process.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline import api_writes
from pipeline.connectors import CONNECTORS
from pipeline.connectors.changes import is_tombstone
from pipeline.identity.relationships import referral_notes
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.pool import Task, WorkerPool
from pipeline.quality.flags import replace_field_flags
from pipeline.quality.locale import Locale, home_locale
from pipeline.records import Deleted, RawRecord, Rejected, SourceConfig, StagedRow
from warehouse.engine import insert_rows
from warehouse.schema import land_record, metadata, stg_customer, stg_deletion, stg_reject

logger = logging.getLogger(__name__)

CHUNK = 20_000  # landed records staged per round: the step's memory is one chunk whatever the input size
# Chunks a source must have left before worker processes type them: starting one costs ~2.5 s of CPU,
# about what typing one chunk costs (docs/scaling.md); once started, two chunks are enough.
POOL_FROM = 3
# What a worker needs of a landing.
SENT = ("source", "entity", "source_key", "payload", "land_id", "batch_id")
MAX_MESSAGE = 500

# Rows that replace each other when a newer version of a record is staged. Sales lines go by
# document: a new version of an invoice replaces all its lines, so a removed line disappears too.
REPLACE_KEY: dict[str, tuple[str, ...]] = {"stg_sales_line": ("source", "doc_type", "doc_key")}

# Every table a stager writes: each row names the source and the landed version it came from.
STAGING_TABLES: tuple[sa.Table, ...] = tuple(
    t
    for name, t in sorted(metadata.tables.items())
    if name.startswith("stg_") and "land_id" in t.c and name != "stg_reject"
)


def stage(
    conn: Connection,
    sources: Iterable[SourceConfig],
    batch_id: int,
    home: Locale | None = None,
    workers: int | None = None,
) -> StepResult:
    """Stage every record landed since the last run, source by source, each read in its locale (its own
    ``country`` option, else ``home``: the settings' home country and currency when not given), typed by
    ``workers`` processes (the settings' ``stage_workers`` when not given; 0: in this process)."""
    if workers is None:
        from settings import get_settings  # late, as home_locale: tests point C360_* elsewhere

        workers = get_settings().stage_workers
    with WorkerPool(workers) as pool:
        return _stage(conn, sources, batch_id, home or home_locale(), pool)


def _stage(
    conn: Connection, sources: Iterable[SourceConfig], batch_id: int, home: Locale, pool: WorkerPool
) -> StepResult:
    rows_in = rows_out = rejected = deleted = 0
    lineage: dict[tuple[str, str], int] = defaultdict(int)
    for source in sources:
        mark = f"stage:{source.name}"
        # written through the API at any time: only up to the landings that have all committed
        upto = api_writes.settled(conn) if source.name == api_writes.SOURCE else None
        after = int(get_watermark(conn, mark, "0"))
        chunks = _landed_chunks(conn, source.name, after, upto)
        for landed, chunk in _staged_chunks(chunks, source, home, pool):
            staged, rejects = chunk.staged, chunk.rejects
            deleted += _delete_records(conn, source.name, chunk.deletions, landed)
            _revive(conn, source.name, chunk.revived)
            replace_field_flags(conn, source.name, landed, staged, rejects)
            _replace(conn, staged)
            _replace_rejects(conn, source.name, landed, rejects)
            after = int(landed[-1]["land_id"])
            set_watermark(conn, mark, str(after), batch_id)
            rows_in += len(landed)
            rejected += len(rejects)
            for table, rows in staged.items():
                rows_out += len(rows)
                lineage[("land_record", table)] += len(rows)
            lineage[("land_record", "stg_reject")] += len(rejects)
        logger.info("staged %s up to land_id %d", source.name, after)
    return StepResult(
        rows_in=rows_in,
        rows_out=rows_out,
        rows_rejected=rejected,
        lineage=dict(lineage),
        message=f"{deleted} staged rows of records deleted at their source kept in stg_deletion"
        if deleted
        else None,
    )


def _landed_chunks(
    conn: Connection, source: str, after: int, upto: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """The source's records landed after ``after`` (up to ``upto``), in landing order, a chunk at a time."""
    while landed := _landed_after(conn, source, after, upto):
        yield landed
        after = int(landed[-1]["land_id"])


def _landed_after(conn: Connection, source: str, after: int, upto: int | None = None) -> list[dict[str, Any]]:
    """One chunk: a seek on the (source, land_id) index, so no chunk reads the rows before it."""
    query = (
        sa.select(land_record)
        .where((land_record.c.source == source) & (land_record.c.land_id > after))
        .order_by(land_record.c.land_id)
        .limit(CHUNK)
    )
    if upto is not None:
        query = query.where(land_record.c.land_id <= upto)
    return [dict(r._mapping) for r in conn.execute(query)]


def _staged_chunks(
    chunks: Iterator[list[dict[str, Any]]], source: SourceConfig, home: Locale, pool: WorkerPool
) -> Iterator[tuple[list[dict[str, Any]], _Chunk]]:
    """Each chunk with what it stages, in landing order: typed here, or, when the source has ``POOL_FROM``
    chunks left (two once the workers run), by the pool's workers, which type the next chunks while the
    caller writes this one."""
    needed = 2 if pool.started else POOL_FROM
    ahead = list(itertools.islice(chunks, needed)) if pool.enabled else []
    if len(ahead) < needed:
        stager = CONNECTORS[source.type].stager_for(source, home)
        for landed in itertools.chain(ahead, chunks):
            yield landed, _stage_chunk(landed, source.name, stager)
        return
    pending: deque[tuple[list[dict[str, Any]], Task[_Chunk]]] = deque()
    for landed in itertools.chain(ahead, chunks):
        sent = [{k: land[k] for k in SENT} for land in landed]
        pending.append((landed, pool.submit(_stage_in_worker, source, home, sent)))
        if len(pending) > pool.workers:  # every worker has a chunk: write the oldest while they type
            done, task = pending.popleft()
            yield done, task.result()
    while pending:
        done, task = pending.popleft()
        yield done, task.result()


def _stage_in_worker(source: SourceConfig, home: Locale, landed: list[dict[str, Any]]) -> _Chunk:
    """In a worker process: the source's stager, built again here, over one chunk."""
    return _stage_chunk(landed, source.name, CONNECTORS[source.type].stager_for(source, home))


@dataclass
class _Chunk:
    """A staged chunk: rows per table, rejects, and records deleted at their source (with the tombstone's land_id)."""

    staged: dict[str, list[dict[str, Any]]]
    rejects: list[dict[str, Any]]
    deletions: list[tuple[str, str, int]]
    revived: dict[
        tuple[str, str], int
    ]  # (entity, key) -> batch of records staged again (a deleted one comes back)


def _stage_chunk(landed: Sequence[Mapping[str, Any]], source: str, stager: Any) -> _Chunk:
    """Run the stager over a chunk; later versions of the same row win, and a tombstone drops earlier ones."""
    staged: dict[str, dict[tuple[Any, ...], list[dict[str, Any]]]] = defaultdict(dict)
    owned: dict[tuple[str, str], list[tuple[str, tuple[Any, ...]]]] = defaultdict(list)
    rejects: list[dict[str, Any]] = []
    deletions: list[tuple[str, str, int]] = []
    revived: dict[tuple[str, str], int] = {}
    for land in landed:
        record = RawRecord(source, land["entity"], land["source_key"], json.loads(land["payload"]))
        try:
            if is_tombstone(record.payload):
                raise Deleted(f"deleted at its source ({record.payload.get('deleted_at')})")
            rows: list[StagedRow] = stager(record)
        except Rejected as r:
            rejects.append(_reject_row(land, r.rule, r.field, r.message))
            continue
        except Deleted as d:
            logger.info("%s %s %s: %s", source, record.entity, record.source_key, d.message)
            for table, group in owned.pop((record.entity, record.source_key), []):
                staged[table].pop(group, None)
            deletions.append((record.entity, record.source_key, int(land["land_id"])))
            revived.pop((record.entity, record.source_key), None)
            continue
        revived[(record.entity, record.source_key)] = int(land["batch_id"])
        # What the relationships read of the landed version (most records have no referral: not looked for).
        notes = referral_notes(record.payload) if "referr" in land["payload"].lower() else []
        from_record: dict[str, dict[tuple[Any, ...], list[dict[str, Any]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for row in rows:
            values = {
                **row.values,
                "source": source,
                "land_id": land["land_id"],
                "batch_id": land["batch_id"],
            }
            if row.table == stg_customer.name:
                values["referral_notes"] = json.dumps(notes, ensure_ascii=False) if notes else None
            from_record[row.table][tuple(values[c] for c in _key_columns(row.table))].append(values)
        for table, groups in from_record.items():
            staged[table].update(groups)  # a later version replaces an earlier one's rows whole
            owned[(record.entity, record.source_key)].extend((table, group) for group in groups)
    return _Chunk(
        {table: _unique_rows(table, groups.values()) for table, groups in staged.items()},
        rejects,
        deletions,
        revived,
    )


def _delete_records(
    conn: Connection, source: str, deletions: list[tuple[str, str, int]], landed: Sequence[Mapping[str, Any]]
) -> int:
    """Soft-delete records: their earlier versions' staged rows move to ``stg_deletion``; returns how many."""
    if not deletions:
        return 0
    tombs = {int(land["land_id"]): land for land in landed}
    moved = 0
    for entity, key, tomb in deletions:
        earlier = sa.select(land_record.c.land_id).where(
            (land_record.c.source == source)
            & (land_record.c.entity == entity)
            & (land_record.c.source_key == key)
            & (land_record.c.land_id < tomb)
        )
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in STAGING_TABLES:
            where = (table.c.source == source) & table.c.land_id.in_(earlier)
            found = [dict(r._mapping) for r in conn.execute(sa.select(table).where(where))]
            if found:
                rows[table.name] = found
                conn.execute(table.delete().where(where))
                moved += len(found)
        if not rows:
            continue  # nothing of it was staged (it was rejected): its tombstone in land_record is the record
        payload = json.loads(tombs[tomb]["payload"])
        was = payload.get("was") if isinstance(payload.get("was"), Mapping) else {}
        conn.execute(
            stg_deletion.insert().values(
                source=source,
                entity=entity,
                source_key=key,
                land_id=tomb,
                batch_id=tombs[tomb]["batch_id"],
                deleted_at=tombs[tomb]["received_at"],
                evidence=str(was.get("evidence") or "reported deleted by the source")[:500],
                staged_rows=json.dumps(rows, sort_keys=True, default=str),
            )
        )
    return moved


def _revive(conn: Connection, source: str, records: Mapping[tuple[str, str], int]) -> None:
    """Mark the deletions of records that staged again as revived, by the batch that landed them again."""
    deleted = sa.select(stg_deletion.c.entity, stg_deletion.c.source_key).where(
        (stg_deletion.c.source == source) & stg_deletion.c.revived_batch.is_(None)
    )
    back = {(r.entity, r.source_key) for r in conn.execute(deleted)} & set(records)
    if not back:
        return
    logger.info("%s: %d records deleted before came back", source, len(back))
    conn.execute(
        stg_deletion.update()
        .where(
            (stg_deletion.c.source == source)
            & (stg_deletion.c.entity == sa.bindparam("e"))
            & (stg_deletion.c.source_key == sa.bindparam("k"))
            & stg_deletion.c.revived_batch.is_(None)
        )
        .values(revived_batch=sa.bindparam("b")),
        [{"e": e, "k": k, "b": records[(e, k)]} for e, k in sorted(back)],
    )


def _unique_rows(table: str, groups: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    pk = _key_columns(table, pk=True)
    unique = {tuple(row[c] for c in pk): row for rows in groups for row in rows}
    return list(unique.values())


def _reject_row(land: Mapping[str, Any], rule: str, field: str | None, message: str) -> dict[str, Any]:
    return {
        "source": land["source"],
        "entity": land["entity"],
        "record_key": land["source_key"],
        "rule": rule[:60],
        "field": field[:60] if field else None,
        "message": message[:MAX_MESSAGE],
        "land_id": land["land_id"],
        "batch_id": land["batch_id"],
    }


def _key_columns(table: str, pk: bool = False) -> tuple[str, ...]:
    if not pk and table in REPLACE_KEY:
        return REPLACE_KEY[table]
    return tuple(c.name for c in metadata.tables[table].primary_key.columns)


def _replace(conn: Connection, staged: Mapping[str, list[dict[str, Any]]]) -> None:
    for name, rows in sorted(staged.items()):
        table = metadata.tables[name]
        key = _key_columns(name)
        _delete_keys(conn, table, key, {tuple(r[c] for c in key) for r in rows})
        insert_rows(conn, table, rows)


def _replace_rejects(
    conn: Connection, source: str, landed: Sequence[Mapping[str, Any]], rejects: list[dict[str, Any]]
) -> None:
    """A record's old rejects go when a newer version of it is staged (cleanly or not)."""
    keys = {(source, land["entity"], land["source_key"]) for land in landed}
    _delete_keys(conn, stg_reject, ("source", "entity", "record_key"), keys)
    insert_rows(conn, stg_reject, rejects)


def _delete_keys(
    conn: Connection, table: sa.Table, columns: tuple[str, ...], keys: set[tuple[Any, ...]]
) -> None:
    if not keys:
        return
    condition = sa.and_(*(table.c[c] == sa.bindparam(f"k_{c}") for c in columns))
    conn.execute(
        table.delete().where(condition),
        [{f"k_{c}": v for c, v in zip(columns, k, strict=True)} for k in keys],
    )
