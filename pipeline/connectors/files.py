"""File reading shared by the export-mode readers: CSV rows with their physical line numbers, JSON lines.

Nothing is dropped: a row that does not parse comes back with its raw text and the error, so the
reader can still yield it (under a synthetic key) and its stager can reject it.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.records import SourceConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CsvRow:
    """One CSV record: the line it starts on, its raw text and either its fields or why it failed."""

    line: int
    raw: str
    values: dict[str, str] | None
    error: str | None = None


def source_path(config: SourceConfig, option: str | None = None, default: str | None = None) -> Path:
    """The config's path, or a file named by an option (or default) inside it."""
    if config.path is None:
        raise ValueError(f"source {config.name!r} has no path")
    name = config.options.get(option, default) if option else None
    return config.path / str(name) if name else config.path


def read_csv(path: Path) -> Iterator[CsvRow]:
    """Rows of a headed CSV file as dicts of strings; a row with the wrong number of fields is an error row."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        consumed: list[str] = []

        def lines() -> Iterator[str]:
            for line in handle:
                consumed.append(line)
                yield line

        reader = csv.reader(lines())
        line = 1
        header: list[str] | None = None
        while True:
            try:
                fields = next(reader)
                error = None
            except StopIteration:
                return
            except csv.Error as e:
                fields, error = [], f"CSV syntax: {e}"
            raw = "".join(consumed)
            consumed.clear()
            start = line
            line += max(raw.count("\n"), 1)
            if header is None:
                header = [h.strip() for h in fields]
                continue
            if error is None and not any(f.strip() for f in fields):
                continue
            if error is None and len(fields) != len(header):
                error = f"expected {len(header)} fields, found {len(fields)}"
            values = None if error else dict(zip(header, fields, strict=True))
            yield CsvRow(start, raw.rstrip("\r\n"), values, error)


def read_json_lines(path: Path) -> Iterator[tuple[int, str, Any, str | None]]:
    """(line number, raw line, parsed document or None, error) for each non-blank line."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for n, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            try:
                yield n, line, json.loads(line), None
            except json.JSONDecodeError as e:
                yield n, line, None, f"invalid JSON: {e}"
