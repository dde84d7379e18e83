"""Helpers for connector tests: load sources.toml as the pipeline does, read truth files."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

from pipeline.records import SourceConfig

MALFORMED = 8  # every planted kind appears at least once per source


def load_sources(root: Path) -> list[SourceConfig]:
    """SourceConfigs from ``sources.toml`` as the pipeline reads it (extra keys become options)."""
    config = tomllib.loads((root / "sources.toml").read_text(encoding="utf-8"))
    return [
        SourceConfig(
            s["name"],
            s["type"],
            root / s["path"],
            {k: v for k, v in s.items() if k not in ("name", "type", "path")},
        )
        for s in config["sources"]
    ]


def truth_rows(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
