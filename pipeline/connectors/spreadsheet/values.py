"""Pure helpers for Sheets API v4 ``values``: A1 ranges, header checks and rows -> payloads.

Nothing here does I/O, so each function is tested by its exact output and fuzzed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pipeline.errors import SourceError

logger = logging.getLogger(__name__)

REJECT: Final = "_reject"  # payload key of a row the reader refuses (blank or repeated key)
MARKER_PREFIXES: Final = ("nokey:", "dup:", "invalid:")  # keys of reject markers, never tombstoned
CELL_LIMIT: Final = 50_000  # the Sheets API's own limit on a cell's characters


class HeaderDriftError(SourceError):
    """The sheet's header row no longer matches the configured (or last seen) columns."""

    def __init__(self, source: str, expected: Sequence[str], found: Sequence[str]) -> None:
        missing = [h for h in expected if h not in found]
        unexpected = [h for h in found if h and h not in expected]
        repeated = sorted({h for h in found if h and list(found).count(h) > 1})
        hint = f"; new or renamed: {unexpected}" if unexpected else ""
        hint += f"; repeated: {repeated}" if repeated else ""
        super().__init__(
            source,
            f"header drift: expected columns {list(expected)}, found {list(found)}; missing {missing}{hint}. "
            "Rename the sheet's columns back, or update the source's `columns` mapping.",
        )
        self.expected = list(expected)
        self.found = list(found)
        self.missing = missing
        self.unexpected = unexpected
        self.repeated = repeated


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (A1 notation)."""
    if index < 0:
        raise ValueError(f"column index {index} is negative")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_sheet(title: str) -> str:
    """A sheet title quoted for A1 notation (``'Q1 Leads'``, with ``'`` doubled)."""
    return "'" + title.replace("'", "''") + "'"


def a1_range(title: str, first_row: int, last_row: int, columns: int) -> str:
    """``'Leads'!A2:L501``: rows ``first_row``..``last_row`` (1-based) of the first ``columns`` columns."""
    if first_row < 1 or last_row < first_row or columns < 1:
        raise ValueError(f"bad range rows {first_row}..{last_row}, {columns} columns")
    return f"{quote_sheet(title)}!A{first_row}:{column_letters(columns - 1)}{last_row}"


def page_ranges(title: str, row_count: int, columns: int, page_rows: int) -> Iterator[tuple[int, str]]:
    """(first row, A1 range) for each page of data rows below the header row."""
    for first in range(2, row_count + 1, page_rows):
        yield first, a1_range(title, first, min(first + page_rows - 1, row_count), columns)


def cell(value: Any) -> str:
    """A cell as text; ``FORMATTED_VALUE`` gives strings already, numbers and booleans are spelt out."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_header(source: str, found: Sequence[str], expected: Sequence[str]) -> None:
    """Raise :class:`HeaderDriftError` when an expected column is missing or a header is repeated."""
    missing = [h for h in expected if h not in found]
    repeated = sorted({h for h in found if h and list(found).count(h) > 1})
    if missing or repeated:
        raise HeaderDriftError(source, expected, found)


@dataclass(frozen=True)
class Row:
    """One sheet row: its 1-based row number, the key, and the payload (or a reject marker)."""

    number: int
    key: str
    payload: dict[str, Any]


def to_row(
    number: int,
    header: Sequence[str],
    cells: Sequence[Any],
    mapping: Mapping[str, str] | None,
    key_column: str,
) -> Row | None:
    """A payload keyed by the mapped field names; ``None`` for a blank row; a reject marker for a blank key."""
    values = [cell(c) for c in cells]
    if not any(v.strip() for v in values):
        return None
    by_header = {h: values[i] if i < len(values) else "" for i, h in enumerate(header) if h}
    if mapping:
        payload: dict[str, Any] = {field: by_header.get(h, "") for h, field in mapping.items()}
    else:
        payload = dict(by_header)
    too_long = next((h for h, v in by_header.items() if len(v) > CELL_LIMIT), None)
    key = by_header.get(key_column, "").strip()
    if too_long is not None:
        return Row(
            number,
            f"invalid:row-{number}",
            _reject("too_long", too_long, f"{too_long}: over {CELL_LIMIT} chars"),
        )
    if not key:
        return Row(
            number, f"nokey:row-{number}", _reject("required", key_column, f"{key_column} is required")
        )
    return Row(number, key, payload)


def _reject(rule: str, field: str, message: str) -> dict[str, Any]:
    return {REJECT: {"rule": rule, "field": field, "message": message}}


def duplicate(row: Row, key_column: str) -> Row:
    """The reject marker for a row whose key an earlier row already has."""
    message = f"{key_column}: {row.key[:60]!r} repeats an earlier row's key"
    return Row(row.number, f"dup:{row.key}#row-{row.number}", _reject("duplicate_key", key_column, message))
