"""What connectors hand to the pipeline, and how a record is refused.

A connector reads one source and yields :class:`RawRecord` s exactly as the source gave them. A stager
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
from typing import Any

from pipeline.quality.locale import Locale


@dataclass(frozen=True)
class RawRecord:
    """One record as its source gave it. ``payload`` must be JSON-serialisable."""

    source: str
    entity: str
    source_key: str
    payload: Mapping[str, Any]

    def content_hash(self) -> str:
        """A stable hash of the payload: the same content always gives the same hash."""
        text = json.dumps(self.payload, sort_keys=True, separators=(",", ":"), default=str)
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


Reader = Callable[[SourceConfig], Iterator[RawRecord]]
Stager = Callable[[RawRecord], list[StagedRow]]
LocaleStager = Callable[[RawRecord, Locale], list[StagedRow]]
