"""Positions a reader can be handed outside the land step: in memory, or a JSON file.

The land step gives each live reader a position kept in ``ops_watermark`` (``pipeline/steps/land.py``);
these serve a reader run on its own (a test, a one-off sync) and the ``state_dir`` default of the
change-detecting readers.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FilePosition", "MemoryPosition"]

logger = logging.getLogger(__name__)


@dataclass
class MemoryPosition:
    """A position held in memory; ``saves`` lists every value saved, oldest first."""

    value: str | None = None
    saves: list[str] = field(default_factory=list)

    def load(self) -> str | None:
        return self.value

    def save(self, value: str) -> None:
        self.value = value
        self.saves.append(value)


@dataclass(frozen=True)
class FilePosition:
    """A position in one file, written atomically (temp file + rename)."""

    path: Path

    @classmethod
    def in_dir(cls, directory: Path, source: str) -> FilePosition:
        """``<directory>/<source>.state.json``, the source name made safe for a file name."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in source)
        return cls(directory / f"{safe}.state.json")

    def load(self) -> str | None:
        return self.path.read_text(encoding="utf-8") if self.path.exists() else None

    def save(self, value: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(value, encoding="utf-8")
        os.replace(temp, self.path)
