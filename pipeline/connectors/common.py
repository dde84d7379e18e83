"""Helpers every stager shares: typed field getters that raise ``Rejected``, identity fields standardised
with field-level flags (:class:`Fields`), and the staging-row builder.

:func:`row` checks a row against the ``stg_*`` table in ``warehouse.schema`` (column names, required
columns, text lengths), so a stager cannot drift from the contract. Getters take the source's own
field name, which is what a rejection reports.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa

from pipeline.errors import ConfigError
from pipeline.quality import standardise
from pipeline.quality.locale import Locale, record_country
from pipeline.records import RawRecord, Rejected, SourceConfig, StagedRow
from warehouse.schema import metadata

logger = logging.getLogger(__name__)

UNPARSED: Final = "_unparsed"  # payload key of a record its reader could not parse (holds the raw text)
PARSE_ERROR: Final = "_error"
_ADDED_BY_PIPELINE: Final = frozenset({"source", "land_id", "batch_id"})
_INT_RANGE: Final = 2**31 - 1
_MONEY_LIMIT: Final = 1e12
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y")
FIELD_LIMIT: Final = 60  # stg_field_flag.field
RAW_LIMIT: Final = 400  # stg_field_flag.raw_value
MESSAGE_LIMIT: Final = 500
_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_FORMATS: Final = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def unparsed(text: str, error: str) -> dict[str, Any]:
    """The payload a reader yields for something it could not parse: the raw text, kept whole."""
    return {UNPARSED: text, PARSE_ERROR: error}


def check_parsed(payload: Mapping[str, Any]) -> None:
    """Reject a record its reader could not parse."""
    if UNPARSED in payload:
        raise Rejected("parse", f"unreadable record: {payload.get(PARSE_ERROR)}", None)


def get(payload: Any, path: str) -> Any:
    """The value at a dotted path (``BillAddr.City``); ``None`` if any step is missing."""
    value = payload
    for part in path.split("."):
        if value is None:
            return None
        if type(value) is not dict and not isinstance(value, Mapping):  # a dict is told without the ABC check
            raise Rejected(
                "type", f"{path}: expected an object at {part!r}, got {type(value).__name__}", path
            )
        value = value.get(part)
    return value


def text(value: Any, field: str, *, keep_newlines: bool = False, limit: int | None = None) -> str | None:
    """Tidy text from a string or number; ``None`` for empty; objects and lists are a type error."""
    if value is None:
        return None
    if type(value) is not str:  # the usual case skips the checks below
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Rejected("type", f"{field}: expected text, got {type(value).__name__}", field)
        if isinstance(value, float):
            value = repr(value) if not value.is_integer() else str(int(value))
    result = standardise.text(str(value), keep_newlines=keep_newlines)
    if result is not None and limit is not None and len(result) > limit:
        raise Rejected("too_long", f"{field}: {len(result)} characters, at most {limit} allowed", field)
    return result


def required(value: Any, field: str) -> str:
    """Non-empty text, or ``Rejected('required')``."""
    result = text(value, field)
    if result is None:
        raise Rejected("required", f"{field} is required", field)
    return result


def number(value: Any, field: str) -> float | None:
    """A finite number from a number or text such as ``£1,200.50``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Rejected("type", f"{field}: expected a number, got a boolean", field)
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        cleaned = re.sub(r"[£,\s]", "", value).removeprefix("GBP")
        if cleaned == "":
            return None
        try:
            result = float(cleaned)
        except ValueError:
            raise Rejected("type", f"{field}: {value[:60]!r} is not a number", field) from None
    else:
        raise Rejected("type", f"{field}: expected a number, got {type(value).__name__}", field)
    if not math.isfinite(result):
        raise Rejected("type", f"{field}: {value!r} is not a finite number", field)
    return result


def money(value: Any, field: str) -> float | None:
    """An amount in pounds, rounded to pence."""
    result = number(value, field)
    if result is None:
        return None
    if abs(result) >= _MONEY_LIMIT:
        raise Rejected("range", f"{field}: {result} is out of range for money", field)
    return round(result, 2)


def integer(value: Any, field: str) -> int | None:
    """A whole number (``12``, ``"12"``, ``12.0``); fractions are a type error."""
    result = number(value, field)
    if result is None:
        return None
    if not result.is_integer():
        raise Rejected("type", f"{field}: {value!r} is not a whole number", field)
    if abs(result) > _INT_RANGE:
        raise Rejected("range", f"{field}: {value!r} is out of range", field)
    return int(result)


def boolean(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise Rejected("type", f"{field}: expected true/false, got {value!r:.60}", field)


def date(value: Any, field: str) -> dt.date | None:
    """A date from ISO or UK day-first text (``2024-05-01``, ``01/05/2024``)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value, field)
    if raw is None:
        return None
    head = raw[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", raw) else raw
    if _ISO_DAY.fullmatch(head):  # the usual form, read without strptime (the same date, ten times faster)
        try:
            return dt.date.fromisoformat(head)
        except ValueError:
            pass  # no such day: the formats below reject it as they always did
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise Rejected("date_format", f"{field}: {raw[:60]!r} is not a date", field)


def timestamp(value: Any, field: str) -> dt.datetime | None:
    """A naive UTC timestamp from ISO 8601 (with or without offset), UK day-first text or epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or not 0 <= value < 253402300800:
            raise Rejected("date_format", f"{field}: {value!r} is not a valid epoch time", field)
        return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
    raw = text(value, field)
    if raw is None:
        return None
    parsed = _parse_timestamp(raw)
    if parsed is None:
        day = date(raw, field)  # a bare date is midnight; raises date_format otherwise
        parsed = dt.datetime.combine(day or dt.date.min, dt.time())
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _parse_timestamp(raw: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


class Fields:
    """The identity fields of one record, standardised. A value that breaks its rule does not reject the
    record: it is staged as ``None`` (so matching leaves it out) and kept raw in a ``stg_field_flag`` row
    naming the source's field and the rule; :meth:`rows` adds those flags to the record's rows."""

    def __init__(self, record: RawRecord) -> None:
        self._record = record
        self.flags: list[StagedRow] = []

    def standard(self, kind: str, value: Any, field: str, **kwargs: Any) -> str | None:
        """Run a ``pipeline.quality.standardise`` function; a failure is flagged against ``field``."""
        try:
            raw = text(value, field)
        except Rejected as r:  # an object or a list where text belongs
            self.flag(field, r.rule, json.dumps(value, default=str, ensure_ascii=False), r.message)
            return None
        try:
            result: str | None = getattr(standardise, kind)(raw, **kwargs)
        except standardise.InvalidValue as e:
            self.flag(field, e.rule, raw or "", f"{field}: {e}")
            return None
        return result

    def country(self, value: Any, field: str, locale: Locale) -> tuple[str | None, str | None]:
        """The address's country as staged, and the record's country to read phones and postcodes by: the
        address's, else the source's; when the address names a country nobody knows, the record's is unknown."""
        code = self.standard("country", value, field)
        if code is None and self.flagged(field):
            return None, None
        return code, record_country(code, locale)

    def flagged(self, field: str) -> bool:
        return any(f.values["field"] == field for f in self.flags)

    def flag(self, field: str, rule: str, raw: str, message: str) -> None:
        values = {
            "entity": self._record.entity,
            "record_key": self._record.source_key,
            "field": field[:FIELD_LIMIT],
            "rule": rule,
            "raw_value": raw[:RAW_LIMIT],
            "message": message[:MESSAGE_LIMIT],
        }
        logger.debug("%s %s: %s", self._record.source, self._record.source_key, message)
        self.flags.append(row("stg_field_flag", values))

    def rows(self, *staged: StagedRow) -> list[StagedRow]:
        """The record's rows followed by its field flags."""
        return [*staged, *self.flags]


@dataclass(frozen=True)
class _Contract:
    """What a stager may write to one staging table: its columns, and those with a rule (in table order)."""

    names: frozenset[str]
    checked: tuple[tuple[str, bool, int | None], ...]  # (column, required, text length limit)


def _contract(table: sa.Table) -> _Contract:
    names, checked = [], []
    for column in table.columns:
        if column.name in _ADDED_BY_PIPELINE:
            continue
        length = getattr(column.type, "length", None)
        limit = length if isinstance(length, int) else None
        names.append(column.name)
        if not column.nullable or limit is not None:
            checked.append((column.name, not column.nullable, limit))
    return _Contract(frozenset(names), tuple(checked))


_TABLES: Final = {name: _contract(t) for name, t in metadata.tables.items() if name.startswith("stg_")}


def row(table: str, values: Mapping[str, Any], fields: Mapping[str, str] | None = None) -> StagedRow:
    """A staging row, checked against the schema; ``fields`` maps columns to source field names for messages."""
    contract = _TABLES[table]
    unknown = values.keys() - contract.names
    if unknown:
        raise ValueError(f"{table} has no column(s) {sorted(unknown)}")  # a stager bug, not bad data
    names = fields or {}
    for column, needed, length in contract.checked:
        value = values.get(column)
        field = names.get(column, column)
        if value is None:
            if needed:
                raise Rejected("required", f"{field} is required", field)
            continue
        if length is not None and isinstance(value, str) and len(value) > length:
            raise Rejected("too_long", f"{field}: {len(value)} characters, at most {length} allowed", field)
    return StagedRow(table, dict(values))


def local_dir(config: SourceConfig, option: str) -> Path:
    """The platform's ``var_dir`` the source was given, for a file its ``option`` does not place itself."""
    if config.var_dir is None:
        raise ConfigError(
            f"source {config.name!r}: set {option}, or give the source a var_dir (the pipeline gives it the settings')"
        )
    return config.var_dir
