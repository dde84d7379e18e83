"""File reading shared by the export-mode readers: text by a declared or detected encoding, CSV rows with
their physical line numbers, JSON lines.

Nothing is dropped: a row that does not parse comes back with its raw text and the error, so the
reader can still yield it (under a synthetic key) and its stager can reject it. A file that cannot be
read whole (undecodable, or without the columns its entity needs) comes back as one error row at line 0:
its entity's read is then incomplete, and the land step deletes nothing of that entity.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from charset_normalizer import from_bytes

from pipeline.records import SourceConfig

logger = logging.getLogger(__name__)

LEGACY_ENCODING: Final = "cp1252"  # what non-UTF-8 text files are read as unless a source declares one
_LINE_END: Final = re.compile(r"\r\n|\r|\n")
RAW_LIMIT: Final = 100_000  # characters of an unreadable file kept in its reject record
_BOMS: Final = (  # longest first: a UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class UnreadableFile(Exception):
    """A file that cannot be read whole; the message names the file and why."""


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


def decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Text of a file: by its declared encoding, else its byte-order mark, else UTF-8, else Windows-1252.

    Raises :class:`UnreadableFile` when the bytes are not text in the declared encoding, or not text at all
    (random bytes, a binary file).
    """
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError) as e:
            raise UnreadableFile(f"{name}: not {declared} text as declared ({e})") from None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise UnreadableFile(f"{name}: starts with a {encoding} byte-order mark but {e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e
    # Not UTF-8: a spreadsheet saved by Windows software is Windows-1252. Detection guesses wrong on short
    # files (it reads "£" as "Ł"), so it only decides whether the bytes are text at all.
    if b"\x00" not in data and from_bytes(data).best() is not None:
        try:
            text = data.decode(LEGACY_ENCODING)
        except UnicodeDecodeError:
            pass
        else:
            logger.warning(
                "%s is not UTF-8; read as %s. Set the source's encoding option to be sure",
                name,
                LEGACY_ENCODING,
            )
            return text
    raise UnreadableFile(
        f"{name}: not UTF-8 text ({utf8_error}) nor {LEGACY_ENCODING}; set the source's encoding"
    )


def read_text(path: Path, declared: str | None = None) -> str:
    """A whole text file (see :func:`decode`); a missing or unreadable file raises :class:`UnreadableFile`."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableFile(f"{path.name}: {e.strerror or e}") from None
    return decode(data, path.name, declared)


def raw_text(path: Path) -> str:
    """What an unreadable file holds, as text with replacement characters, kept for its reject record."""
    try:
        return path.read_bytes()[: RAW_LIMIT * 4].decode("utf-8", errors="replace")[:RAW_LIMIT]
    except OSError:
        return ""


def text_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, split where ``io.StringIO(text, newline="")`` splits them
    (after ``\r\n``, ``\r`` or ``\n``), one at a time, without a copy of the whole text (``StringIO`` keeps
    one at four bytes a character: 1.7 GB for a 420 MB export)."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start : end.end()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def read_csv(path: Path, encoding: str | None = None, required: Sequence[str] = ()) -> Iterator[CsvRow]:
    """Rows of a headed CSV file as dicts of strings; a row with the wrong number of fields is an error row.

    A file that cannot be decoded, or whose header lacks a ``required`` column, is one error row at line 0.
    """
    try:
        text = read_text(path, encoding)
    except UnreadableFile as e:
        yield CsvRow(0, raw_text(path), None, str(e))
        return
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in text_lines(text):
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
            missing = [c for c in required if c not in header]
            if missing:
                yield CsvRow(
                    0, text[:RAW_LIMIT], None, f"{path.name}: no column {', '.join(missing)} in the header"
                )
                return
            continue
        if error is None and not any(f.strip() for f in fields):
            continue
        if error is None and len(fields) != len(header):
            error = f"expected {len(header)} fields, found {len(fields)}"
        if error is not None:
            error = f"{path.name} line {start}: {error}"
        values = None if error else dict(zip(header, fields, strict=True))
        yield CsvRow(start, raw.rstrip("\r\n"), values, error)


def read_json_lines(path: Path, encoding: str | None = None) -> Iterator[tuple[int, str, Any, str | None]]:
    """(line number, raw line, parsed document or None, error) for each non-blank line.

    A file that cannot be decoded is one error line, numbered 0.
    """
    try:
        text = read_text(path, encoding)
    except UnreadableFile as e:
        yield 0, raw_text(path), None, str(e)
        return
    for n, line in enumerate(text_lines(text), start=1):
        raw = line.rstrip("\r\n")
        if not raw.strip():
            continue
        try:
            yield n, raw, json.loads(raw), None
        except json.JSONDecodeError as e:
            yield n, raw, None, f"{path.name} line {n}: invalid JSON: {e}"
