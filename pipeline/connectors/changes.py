"""Row-level change detection between syncs: a small, JSON-storable snapshot of key -> content hash.

A connector reads everything it is asked to look at, and :func:`diff` compares that with the previous
:class:`SyncState`: new and changed records pass through, unchanged ones are dropped, and keys that were
looked at but are gone come back as tombstone records (:func:`tombstone`). The new state is saved only
after the caller has taken every record, so a sync that fails part-way changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pipeline.records import Position, RawRecord

logger = logging.getLogger(__name__)

TOMBSTONE: Final = "_deleted"  # payload key of a record deleted at its source since the last sync
_VERSION: Final = 1


@dataclass
class SyncState:
    """What the last sync saw: ``entity:key`` -> content hash, per-key facts, and free-form marks."""

    hashes: dict[str, str] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        doc = {"version": _VERSION, "hashes": self.hashes, "facts": self.facts, "marks": self.marks}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SyncState:
        """The state stored by :meth:`to_json`; an empty state for empty text."""
        if not text.strip():
            return cls()
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("version") != _VERSION:
            raise ValueError(f"unsupported sync state (version {doc.get('version')!r})")
        return cls(dict(doc["hashes"]), dict(doc.get("facts", {})), dict(doc.get("marks", {})))


def load_state(position: Position) -> SyncState:
    """The state the last sync saved at ``position`` (an empty one the first time)."""
    return SyncState.from_json(position.load() or "")


def state_key(entity: str, source_key: str) -> str:
    return f"{entity}:{source_key}"


def tombstone(
    source: str,
    entity: str,
    source_key: str,
    deleted_at: dt.datetime,
    last_hash: str,
    facts: Mapping[str, Any] | None = None,
) -> RawRecord:
    """A record saying ``source_key`` is gone; the time makes each deletion a new landed version.

    ``facts`` are what the last sync remembered about the key (its owner, its time), never its content.
    """
    payload: dict[str, Any] = {TOMBSTONE: True, "deleted_at": deleted_at.isoformat(), "last_hash": last_hash}
    if facts:
        payload["was"] = dict(facts)
    return RawRecord(source, entity, source_key, payload)


def is_tombstone(payload: Mapping[str, Any]) -> bool:
    return payload.get(TOMBSTONE) is True


@dataclass
class Diff:
    """The outcome of :func:`diff`: records to hand on, the state to save once they are taken, counts."""

    records: list[RawRecord]
    state: SyncState
    counts: dict[str, int]


Scope = Callable[[str, Mapping[str, Any]], bool]


def diff(
    source: str,
    previous: SyncState,
    current: Iterable[tuple[RawRecord, Mapping[str, Any]]],
    deleted_at: dt.datetime,
    in_scope: Scope | None = None,
    keep_deleted: Callable[[str], bool] | None = None,
) -> Diff:
    """New, changed and deleted records since ``previous``.

    ``current`` pairs each record read with facts to remember about it. ``in_scope(key, facts)`` says
    whether a previously seen key was looked at this time (default: all were); only those can be deleted.
    ``keep_deleted(source_key)`` may veto a tombstone (for keys that never staged, such as reject markers).
    """
    hashes: dict[str, str] = {}
    facts: dict[str, dict[str, Any]] = {}
    records: list[RawRecord] = []
    counts = {"new": 0, "changed": 0, "unchanged": 0, "deleted": 0}
    for record, record_facts in current:
        key = state_key(record.entity, record.source_key)
        if key in hashes:
            continue  # the reader yields each key once; a repeat is not a second record
        digest = record.content_hash()
        hashes[key] = digest
        if record_facts:
            facts[key] = dict(record_facts)
        old = previous.hashes.get(key)
        kind = "new" if old is None else "changed" if old != digest else "unchanged"
        counts[kind] += 1
        if kind != "unchanged":
            records.append(record)
    for key, digest in sorted(previous.hashes.items()):
        if key in hashes:
            continue
        old_facts = previous.facts.get(key, {})
        if in_scope is not None and not in_scope(key, old_facts):
            hashes[key] = digest  # not looked at this time: still known
            if old_facts:
                facts[key] = old_facts
            continue
        entity, _, source_key = key.partition(":")
        if keep_deleted is not None and not keep_deleted(source_key):
            continue
        counts["deleted"] += 1
        records.append(tombstone(source, entity, source_key, deleted_at, digest, old_facts))
    return Diff(records, SyncState(hashes, facts, dict(previous.marks)), counts)


def emit(source: str, position: Position, result: Diff) -> Iterator[RawRecord]:
    """Yield the diff's records, then save its state: a consumer that stops early leaves the state as it was."""
    yield from result.records
    position.save(result.state.to_json())
    logger.info("%s: sync state saved (%s)", source, ", ".join(f"{k} {v}" for k, v in result.counts.items()))
