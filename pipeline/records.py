"""What connectors hand to the pipeline, and how a record is refused.

A connector reads one source and yields :class:`RawRecord` s exactly as the source gave them. Every reader
has one signature, :class:`Reader`: ``read(source, position)``. ``position`` is where the source's last
read got to (a :class:`Position`: load/save of opaque JSON text, kept by the land step with the landed
records and written only once the read has finished); file readers ignore it. A stager
turns one raw record into typed staging rows, or raises :class:`Rejected` naming the field and the rule
it broke; the pipeline keeps rejected records, with that reason, in ``stg_reject``. A record its source
has deleted comes as a tombstone, and its stager raises :class:`Deleted`: the stage step then removes
every row the record staged before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.quality.locale import Locale


@dataclass(frozen=True)
class RawRecord:
    """One record as its source gave it. ``payload`` must be JSON-serialisable."""

    source: str
    entity: str
    source_key: str
    payload: Mapping[str, Any]

    def canonical_json(self) -> str:
        """The payload as JSON with sorted keys, no spaces and only ASCII: the text its hash is taken of, which
        the land step also stores (it reads back as the same payload)."""
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":"), default=str)

    def content_hash(self, canonical: str | None = None) -> str:
        """A stable hash of the payload: the same content always gives the same hash. ``canonical``: the
        record's :meth:`canonical_json`, when the caller has already made it."""
        text = self.canonical_json() if canonical is None else canonical
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StagedRow:
    """A typed row for one staging table (``stg_customer``, ``stg_sales_line`` ...)."""

    table: str
    values: Mapping[str, Any]


class Rejected(Exception):
    """A record broke a validation rule; it is quarantined with this reason."""

    def __init__(self, rule: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field


class Deleted(Exception):
    """The record was deleted at its source: every row it staged goes too (not a quarantine)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SourceConfig:
    """One entry of the sources config (``sources.toml``)."""

    name: str
    type: str
    path: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    var_dir: Path | None = None
    """Where the platform keeps local files (secrets, HTTP caches); the land step sets it from the settings."""


class Position(Protocol):
    """Where a source's last read got to: opaque JSON text the reader alone understands.

    ``load`` gives the last saved position (``None``: start afresh); ``save`` records a new one. The land
    step keeps what is saved aside and writes it with the landed records only once the read has finished,
    so a read that fails part-way moves nothing.
    """

    def load(self) -> str | None: ...

    def save(self, value: str) -> None: ...


class Reader(Protocol):
    """The one shape of every connector's reader: the source's records, from ``position`` on.

    Without a position a live reader starts afresh (or from its own ``state_dir`` file); a file reader
    reads the whole export each time and ignores it.
    """

    def __call__(self, source: SourceConfig, position: Position | None = None, /) -> Iterator[RawRecord]: ...


Stager = Callable[[RawRecord], list[StagedRow]]
LocaleStager = Callable[[RawRecord, Locale], list[StagedRow]]
