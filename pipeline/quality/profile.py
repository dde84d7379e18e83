"""Column profiles of staged data: nulls, distinct values, value patterns and ranges, per source and column.

A profile is what a data steward reads on the quality page to see a source drift: a phone column whose
top pattern changes from ``+99 9999 999999`` to ``99999999999``, a date column whose minimum jumps, a
column that suddenly fills with nulls. Patterns fold letters to ``A``/``a`` and digits to ``9`` and keep
punctuation, so ``SW1A 1AA`` becomes ``AA9A 9AA``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

logger = logging.getLogger(__name__)

TOP_PATTERNS: Final = 3
PATTERN_LENGTH: Final = 40  # longer values are cut before folding: a pattern names a shape, not a text
SKIP: Final = frozenset({"source", "land_id", "batch_id"})  # bookkeeping, the same for every source


@dataclass(frozen=True)
class ColumnProfile:
    column: str
    rows: int
    nulls: int
    distinct: int
    minimum: str | None  # numbers and dates: the smallest value; text: the shortest length
    maximum: str | None
    patterns: list[tuple[str, int]]  # text only: the most common shapes with their counts

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    def as_row(self) -> dict[str, Any]:
        return {
            "column_name": self.column,
            "row_count": self.rows,
            "nulls": self.nulls,
            "distinct_values": self.distinct,
            "min_value": self.minimum,
            "max_value": self.maximum,
            "top_patterns": json.dumps(self.patterns),
        }


def pattern_expr(column: str) -> pl.Expr:
    """The shape of each value: ``A``/``a`` for upper/lower-case letters, ``9`` for digits, the rest kept."""
    text = pl.col(column).cast(pl.String).str.slice(0, PATTERN_LENGTH)
    return (
        text.str.replace_all(r"\p{Lu}", "A")
        .str.replace_all(r"\p{Ll}|\p{Lo}|\p{Lt}|\p{Lm}", "a")
        .str.replace_all(r"\p{Nd}", "9")
    )


def profile_frame(frame: pl.DataFrame, skip: Iterable[str] = SKIP) -> list[ColumnProfile]:
    """One profile per column of ``frame`` (columns in ``skip`` left out)."""
    rows = frame.height
    profiles = []
    for name in frame.columns:
        if name in skip:
            continue
        series = frame.get_column(name)
        nulls = series.null_count()
        distinct = series.drop_nulls().n_unique()
        patterns: list[tuple[str, int]] = []
        if series.dtype == pl.String:
            lengths = series.drop_nulls().str.len_chars()
            low = str(lengths.min()) if lengths.len() else None
            high = str(lengths.max()) if lengths.len() else None
            shapes = frame.select(pattern_expr(name).alias("p")).drop_nulls().get_column("p").value_counts()
            shapes = shapes.sort(["count", "p"], descending=[True, False]).head(TOP_PATTERNS)
            patterns = [(str(p), int(c)) for p, c in shapes.iter_rows()]
        elif series.dtype.is_numeric() or series.dtype.is_temporal():
            present = series.drop_nulls()
            low = _text(present.min()) if present.len() else None
            high = _text(present.max()) if present.len() else None
        else:
            low = high = None
        profiles.append(ColumnProfile(name, rows, nulls, distinct, low, high, patterns))
    return profiles


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value.isoformat() if hasattr(value, "isoformat") else value)
