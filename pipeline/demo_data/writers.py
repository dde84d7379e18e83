"""Streaming writers: paged QuickBooks JSON, JSON lines, CSV with line numbers and the truth files.

Each writer holds at most one page (or nothing) in memory, so a data set of any size is written
in bounded memory.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

logger = logging.getLogger(__name__)

PAGE_SIZE: Final = 1000


def dumps(obj: Any) -> str:
    """Compact JSON, as APIs send it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class PagedJsonWriter:
    """Writes ``<dir>/<Entity>/page-00001.json`` QuickBooks query responses of ``PAGE_SIZE`` objects."""

    def __init__(self, root: Path, entity: str, stamp: str, page_size: int = PAGE_SIZE) -> None:
        self.dir = root / entity
        self.dir.mkdir(parents=True, exist_ok=True)
        self.entity = entity
        self.stamp = stamp
        self.page_size = page_size
        self.buffer: list[str] = []
        self.page = 1
        self.count = 0

    def add(self, obj: dict[str, Any]) -> tuple[str, int]:
        """Queue one object; returns (page file relative to the source root, 0-based position in it)."""
        return self.add_encoded(dumps(obj))

    def add_encoded(self, text: str) -> tuple[str, int]:
        """Queue one object already encoded as ``dumps`` would; returns what ``add`` returns."""
        if len(self.buffer) == self.page_size:
            self._flush()
        position = (f"{self.entity}/page-{self.page:05d}.json", len(self.buffer))
        self.buffer.append(text)
        self.count += 1
        return position

    def _flush(self) -> None:
        if not self.buffer:
            return
        start = (self.page - 1) * self.page_size + 1
        body = (
            f'{{"QueryResponse":{{"{self.entity}":[{",".join(self.buffer)}],'
            f'"startPosition":{start},"maxResults":{len(self.buffer)}}},"time":{dumps(self.stamp)}}}'
        )
        (self.dir / f"page-{self.page:05d}.json").write_text(body, encoding="utf-8")
        self.buffer = []
        self.page += 1

    def close(self) -> None:
        self._flush()


class JsonLinesWriter:
    """One JSON document per line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, obj: dict[str, Any]) -> int:
        """Write one document; returns its 1-based line number."""
        self.handle.write(dumps(obj) + "\n")
        self.count += 1
        return self.count

    def add_raw(self, text: str) -> int:
        """Write a line as-is (for planting a line that is not JSON)."""
        self.handle.write(text + "\n")
        self.count += 1
        return self.count

    def close(self) -> None:
        self.handle.close()


class CsvWriter:
    """A CSV file with a header; tracks the physical line number of each row (header = line 1)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(header)
        self.line = 1
        self.count = 0

    def add(self, row: list[Any]) -> int:
        """Write a row (no embedded newlines); returns its line number."""
        self.writer.writerow(row)
        self.line += 1
        self.count += 1
        return self.line

    def add_raw(self, text: str) -> int:
        """Write a physical line as-is (for planting a broken row)."""
        self.handle.write(text + "\n")
        self.line += 1
        self.count += 1
        return self.line

    def close(self) -> None:
        self.handle.close()


class Truth:
    """``truth/records.csv`` (every source record's true customer) and ``truth/malformed.csv``."""

    def __init__(self, root: Path) -> None:
        self.records = CsvWriter(root / "records.csv", ["source", "entity", "source_key", "customer_id"])
        self.malformed = CsvWriter(
            root / "malformed.csv", ["source", "entity", "source_key", "rule", "field"]
        )
        self.counts: dict[str, int] = {}

    def record(self, source: str, entity: str, key: str, customer: str) -> None:
        self.records.add([source, entity, key, customer])
        name = f"{source}/{entity}"
        self.counts[name] = self.counts.get(name, 0) + 1

    def bad(self, source: str, entity: str, key: str, rule: str, field: str) -> None:
        self.malformed.add([source, entity, key, rule, field])

    def __enter__(self) -> Truth:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.records.close()
        self.malformed.close()


class TruthParts(Truth):
    """The truth files written as named segments (``<name>.records.csv``, ``<name>.malformed.csv``).

    Processes writing different sources each keep their own segments; ``merge_truth`` joins them in
    the order of their names, so the files are the same as one process writing them in turn.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.counts = {}
        self.name: str | None = None

    def start(self, name: str) -> None:
        """Write what follows into segment ``name`` (appending if it was started before)."""
        if name == self.name:
            return
        self._close()
        self.name = name
        self.records = _AppendingCsv(self.root / f"{name}.records.csv")
        self.malformed = _AppendingCsv(self.root / f"{name}.malformed.csv")

    def _close(self) -> None:
        if self.name is not None:
            self.records.close()
            self.malformed.close()

    def __enter__(self) -> TruthParts:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close()
        self.name = None


class _AppendingCsv(CsvWriter):
    """A CSV segment without a header, appended to."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("a", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.line = 0
        self.count = 0


def merge_truth(parts: Path, root: Path, names: list[str]) -> None:
    """``truth/records.csv`` and ``truth/malformed.csv`` from the segments ``names``, in that order."""
    for kind, header in (
        ("records", "source,entity,source_key,customer_id\n"),
        ("malformed", "source,entity,source_key,rule,field\n"),
    ):
        with (root / f"{kind}.csv").open("wb") as target:
            target.write(header.encode("utf-8"))
            for name in names:
                segment = parts / f"{name}.{kind}.csv"
                if segment.exists():
                    with segment.open("rb") as source:
                        shutil.copyfileobj(source, target, 1 << 20)
