"""Read a spreadsheet export (``.xlsx`` via openpyxl, or ``.csv``): one record per row, a dict of strings.

Options: ``entity`` (default ``Row``), ``sheet`` (xlsx; default the first), ``key_column`` (a column of
stable ids; otherwise the key is the row's position, ``row-<n>`` for xlsx and ``line-<n>`` for CSV).
Cells become text as a person would read them: dates ``YYYY-MM-DD`` (with ``HH:MM:SS`` if not midnight),
whole numbers without ``.0``, empty cells ``""``. A CSV row that does not parse is yielded with its raw text; a file that cannot be read whole (not
text, not a workbook, no key column, no such sheet) is one ``nokey:<file>`` record.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

from pipeline.connectors.common import unparsed
from pipeline.connectors.files import raw_text, read_csv, source_path
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)


def cell_text(value: Any) -> str:
    """A cell as the text a person sees."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read(config: SourceConfig, position: Position | None = None) -> Iterator[RawRecord]:
    """Every row of the spreadsheet export (a snapshot: ``position`` is not used)."""
    path = source_path(config)
    entity = str(config.options.get("entity", "Row"))
    key_column = config.options.get("key_column")
    if path.suffix.lower() == ".csv":
        required = (str(key_column),) if key_column else ()
        for r in read_csv(path, config.options.get("encoding"), required):
            key = f"line-{r.line}" if r.line else f"nokey:{path.name}"
            if r.values is None:
                yield RawRecord(config.name, entity, key, unparsed(r.raw, r.error or "unreadable row"))
                continue
            if key_column and r.values.get(str(key_column), "").strip():
                key = r.values[str(key_column)].strip()
            yield RawRecord(config.name, entity, key, r.values)
        return
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (
        OSError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
    ) as e:  # what openpyxl raises for a damaged file
        yield RawRecord(
            config.name, entity, f"nokey:{path.name}", unparsed(raw_text(path), f"{path.name}: {e}")
        )
        return
    try:
        if "sheet" in config.options and str(config.options["sheet"]) not in book.sheetnames:
            reason = (
                f"{path.name}: no sheet {config.options['sheet']!r} (sheets: {', '.join(book.sheetnames)})"
            )
            yield RawRecord(config.name, entity, f"nokey:{path.name}", unparsed("", reason))
            return
        sheet = book[str(config.options["sheet"])] if "sheet" in config.options else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [cell_text(h).strip() for h in next(rows, ())]
        for n, cells in enumerate(rows, start=2):
            values = [cell_text(c) for c in cells]
            if not any(v.strip() for v in values):
                continue
            record = {
                h or f"column_{i + 1}": values[i] if i < len(values) else "" for i, h in enumerate(header)
            }
            for i in range(len(header), len(values)):
                if values[i]:
                    record[f"column_{i + 1}"] = values[i]
            key = f"row-{n}"
            if key_column and record.get(str(key_column), "").strip():
                key = record[str(key_column)].strip()
            yield RawRecord(config.name, entity, key, record)
    finally:
        book.close()
