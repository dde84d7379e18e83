"""Which parts of a file source the land step may leave unread: those whose files are as its last read found them.

A *part* is the smallest unit a connector names files for: an entity with files of its own (a QuickBooks
export keeps one folder per entity), else the whole source (``"*"``). Its fingerprint is the SHA-256 of
the source's config entry (not its path: the same files moved elsewhere read the same) and of each file's
path, relative to the source's, and bytes. A part is left unread only when

- its fingerprint is the one kept in ``ops_land_part`` by the last land that read it, and that read was
  clean (every file parsed, no key read twice, nothing missing that had records), so reading it again
  would land nothing and say nothing;
- no deletion hold of the source was made, decided or released and no one of it was erased since
  (the ``state`` kept with it), and the batch that read it was not abandoned (its records are gone).

Live sources have no parts and are always read. The rows are written in the land step's transaction, so
a batch rolled back leaves the fingerprints as they were.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.connectors import Connector
from pipeline.ops import ABANDONED
from pipeline.records import SourceConfig
from warehouse.schema import ops_batch_run, ops_deletion_hold, ops_land_part, privacy_suppression

logger = logging.getLogger(__name__)

WHOLE = "*"  # the part name of a source read as one
_DIGESTS: dict[tuple[str, int, int, int, int], bytes] = {}  # a file as stat sees it -> SHA-256 of its bytes
_DIGESTS_KEPT = 200_000
_SETTLED_NS = 2_000_000_000


@dataclass(frozen=True)
class Part:
    """A part of a file source: its name (an entity, or ``WHOLE``) and the fingerprint of its files."""

    name: str
    fingerprint: str | None  # None: no files, so nothing to compare (always read)


@dataclass(frozen=True)
class Kept:
    """What ``ops_land_part`` holds of a part's last clean read."""

    fingerprint: str
    records: int
    state: str
    batch_id: int


def parts_of(connector: Connector, source: SourceConfig) -> list[Part]:
    """The parts of ``source`` with their fingerprints; none for a live source (it is always read)."""
    if connector.sync is not None or source.path is None:
        return []
    config = repr((source.name, source.type, sorted(source.options.items(), key=repr)))
    if connector.entity_files is not None:
        return [
            Part(entity, fingerprint(config, source.path, files) if files else None)
            for entity, files in connector.entity_files(source).items()
        ]
    files = _files(source.path)
    return [Part(WHOLE, fingerprint(config, source.path, files) if files else None)]


def fingerprint(config: str, root: Path, files: Iterable[Path]) -> str:
    """SHA-256 of the config entry and of each file's path (relative to ``root``) and bytes."""
    digest = hashlib.sha256(config.encode())
    for file in files:
        name = file.relative_to(root) if file != root else Path(file.name)
        digest.update(b"\0" + str(name).encode() + b"\0")
        digest.update(file_digest(file))
    return digest.hexdigest()


def file_digest(file: Path) -> bytes:
    """SHA-256 of a file's bytes, hashed once per process while its size, times and inode stay the same
    (the runner's input fingerprint and the land step hash the same files moments apart)."""
    stat = file.stat()
    key = (str(file), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = hashlib.sha256(file.read_bytes()).digest()
        # a file changed in the last seconds may change again within the same timestamp tick: not kept
        if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _SETTLED_NS:
            if len(_DIGESTS) >= _DIGESTS_KEPT:
                _DIGESTS.clear()
            _DIGESTS[key] = digest
    return digest


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []


def state(conn: Connection, source: str) -> str:
    """What, besides its files, decides what reading a source lands: its deletion holds and its erasures."""
    hold = ops_deletion_hold.c
    holds = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(hold.records), 0),
            sa.func.count(hold.decided_at),
            sa.func.coalesce(sa.func.max(hold.hold_id), 0),
        ).where(hold.source == source)
    ).one()
    erased = conn.execute(
        sa.select(sa.func.count()).where(privacy_suppression.c.source == source)
    ).scalar_one()
    return f"holds {holds[0]}/{holds[1]}/{holds[2]}/{holds[3]}; erased {erased}"


def kept(conn: Connection, source: str) -> dict[str, Kept]:
    """Part -> its last clean read, for the parts of ``source`` read by a batch that was not abandoned."""
    abandoned = sa.select(ops_batch_run.c.batch_id).where(ops_batch_run.c.status == ABANDONED)
    part = ops_land_part.c
    rows = conn.execute(
        sa.select(part.part, part.fingerprint, part.records, part.state, part.batch_id).where(
            (part.source == source) & part.batch_id.not_in(abandoned)
        )
    )
    return {r.part: Kept(r.fingerprint, r.records, r.state, r.batch_id) for r in rows}


def unchanged(parts: Sequence[Part], before: Mapping[str, Kept], now_state: str) -> dict[str, Kept]:
    """The parts whose files and source state are as their last clean read left them."""
    return {
        p.name: before[p.name]
        for p in parts
        if p.fingerprint is not None
        and p.name in before
        and before[p.name].fingerprint == p.fingerprint
        and before[p.name].state == now_state
    }


def write(
    conn: Connection,
    source: str,
    clean: Mapping[Part, int],
    skipped: Mapping[str, Kept],
    batch_id: int,
    now_state: str,
) -> None:
    """Keep the fingerprints of the parts read clean this time (with their record counts) and of those left
    unread (still valid in ``now_state``: this read changed nothing of theirs); forget every other part."""
    conn.execute(ops_land_part.delete().where(ops_land_part.c.source == source))
    rows = [
        {
            "source": source,
            "part": p.name,
            "fingerprint": p.fingerprint,
            "records": n,
            "state": now_state,
            "batch_id": batch_id,
        }
        for p, n in clean.items()
        if p.fingerprint is not None
    ] + [
        {
            "source": source,
            "part": name,
            "fingerprint": k.fingerprint,
            "records": k.records,
            "state": now_state,
            "batch_id": k.batch_id,
        }
        for name, k in skipped.items()
    ]
    if rows:
        conn.execute(ops_land_part.insert(), rows)
