"""Read a Google Sheet through gspread (service account), row by row, with change detection.

``type = "google_sheet"`` yields the same payloads as the local ``spreadsheet`` reader (header -> cell
text), so the same stager types them; only new, changed and deleted rows since the last sync come out
(:mod:`pipeline.connectors.changes`). Options (see docs/connectors-sheets-instagram.md):

``spreadsheet_id`` (required), ``sheet`` (title; default the first), ``key_column`` (required: the
header of a column of stable ids), ``columns`` (sheet header -> field name; also the expected headers),
``entity`` (default ``Row``), ``credentials_env`` (the environment variable holding the path of the
service-account JSON; default ``GOOGLE_APPLICATION_CREDENTIALS``), ``page_rows`` (default 1000),
``state_dir`` (default ``var/connector_state``), ``full_sync`` (ignore the saved state), ``endpoint``
(send ``sheets.googleapis.com`` requests to another base URL), ``retries`` (default 5).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError

from pipeline.connectors.changes import SyncState, diff, emit, load_state
from pipeline.connectors.position import FilePosition
from pipeline.connectors.spreadsheet.values import (
    MARKER_PREFIXES,
    Row,
    cell,
    check_header,
    duplicate,
    page_ranges,
    quote_sheet,
    to_row,
)
from pipeline.connectors.transport import again, mount
from pipeline.errors import ConfigError, SourceError
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)

SHEETS_HOST: Final = "sheets.googleapis.com"
SCOPES: Final = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
DEFAULT_STATE_DIR: Final = Path("var/connector_state")
VALUE_PARAMS: Final[dict[str, str | int | bool | float | list[str] | None]] = {
    "valueRenderOption": "FORMATTED_VALUE",
    "majorDimension": "ROWS",
}


@dataclass(frozen=True)
class SheetOptions:
    """A ``google_sheet`` source's options, checked."""

    spreadsheet_id: str
    key_column: str
    sheet: str | None
    columns: dict[str, str]
    entity: str
    credentials_env: str
    page_rows: int
    state_dir: Path
    full_sync: bool
    endpoint: str | None
    retries: int

    @classmethod
    def from_config(cls, config: SourceConfig) -> SheetOptions:
        o = config.options
        missing = [k for k in ("spreadsheet_id", "key_column") if not o.get(k)]
        if missing:
            raise ConfigError(f"source {config.name!r} (google_sheet) needs {', '.join(missing)}")
        columns = o.get("columns") or {}
        if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
            raise ConfigError(f"source {config.name!r}: columns must map sheet headers to field names")
        page_rows = int(o.get("page_rows", 1000))
        if page_rows < 1:
            raise ConfigError(f"source {config.name!r}: page_rows must be at least 1")
        return cls(
            spreadsheet_id=str(o["spreadsheet_id"]),
            key_column=str(o["key_column"]),
            sheet=str(o["sheet"]) if o.get("sheet") else None,
            columns={str(k): str(v) for k, v in columns.items()},
            entity=str(o.get("entity", "Row")),
            credentials_env=str(o.get("credentials_env", "GOOGLE_APPLICATION_CREDENTIALS")),
            page_rows=page_rows,
            state_dir=Path(str(o.get("state_dir", DEFAULT_STATE_DIR))),
            full_sync=bool(o.get("full_sync", False)),
            endpoint=str(o["endpoint"]) if o.get("endpoint") else None,
            retries=int(o.get("retries", 5)),
        )


def service_account_info(source: str, env: str) -> dict[str, Any]:
    """The service-account key named by environment variable ``env`` (a file path, or the JSON itself)."""
    value = os.environ.get(env, "").strip()
    if not value:
        raise ConfigError(f"source {source!r}: set {env} to the service-account key file (JSON)")
    try:
        text = value if value.startswith("{") else Path(value).read_text(encoding="utf-8")
        info = json.loads(text)
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"source {source!r}: cannot read the service-account key from {env}: {e}") from e
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(f"source {source!r}: {env} does not hold a service-account key")
    return info


def connect(source: str, options: SheetOptions) -> gspread.Client:
    """A gspread client on the service account, its session retrying (and redirected if configured)."""
    info = service_account_info(source, options.credentials_env)
    client = gspread.service_account_from_dict(info, scopes=list(SCOPES))
    session = client.http_client.session
    mount(session, source, f"https://{SHEETS_HOST}", options.endpoint, options.retries)
    return client


def fetch_rows(
    source: str, client: gspread.Client, options: SheetOptions, header_before: list[str] | None
) -> tuple[list[str], list[Row]]:
    """The header and every row of the sheet, read page by page; raises on header drift."""
    http = client.http_client
    meta = http.fetch_sheet_metadata(options.spreadsheet_id)
    sheets = [s.get("properties", {}) for s in meta.get("sheets", [])]
    chosen = next((p for p in sheets if options.sheet in (None, p.get("title"))), None)
    if chosen is None:
        titles = [p.get("title") for p in sheets]
        raise SourceError(source, f"sheet {options.sheet!r} not found; the spreadsheet has {titles}")
    title = str(chosen["title"])
    grid = chosen.get("gridProperties", {})
    row_count, column_count = int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))
    head = http.values_get(options.spreadsheet_id, f"{quote_sheet(title)}!1:1", params=dict(VALUE_PARAMS))
    header = [cell(h).strip() for h in (head.get("values") or [[]])[0]]
    expected = list(options.columns) or header_before or []
    check_header(
        source, header, [*expected, options.key_column] if options.key_column not in expected else expected
    )
    rows: list[Row] = []
    seen: set[str] = set()
    width = max(len(header), 1) if column_count == 0 else min(max(len(header), 1), column_count)
    for first, a1 in page_ranges(title, row_count, width, options.page_rows):
        page = again(
            partial(http.values_get, options.spreadsheet_id, a1, params=dict(VALUE_PARAMS)),
            options.retries,
            "Sheets page",
        )
        for offset, cells in enumerate(page.get("values") or []):
            row = to_row(first + offset, header, cells, options.columns or None, options.key_column)
            if row is None:
                continue
            if row.key in seen:
                row = duplicate(row, options.key_column)
            seen.add(row.key)
            rows.append(row)
    logger.info(
        "%s: read %d rows from sheet %r (%d rows, %d columns)", source, len(rows), title, row_count, width
    )
    return header, rows


def read_google_sheet(
    config: SourceConfig,
    position: Position | None = None,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    client: gspread.Client | None = None,
) -> Iterator[RawRecord]:
    """New, changed and deleted rows of the sheet since the sync state at ``position`` (all rows on the first).

    Without a position the state lives in ``<state_dir>/<source>.state.json``.
    """
    options = SheetOptions.from_config(config)
    position = position or FilePosition.in_dir(options.state_dir, config.name)
    previous = SyncState() if options.full_sync else load_state(position)
    before = previous.marks.get("header")
    try:
        client = client or connect(config.name, options)
        header, rows = fetch_rows(
            config.name, client, options, list(before) if before and not options.columns else None
        )
    except APIError as e:
        raise SourceError(config.name, f"Sheets API answered {e.code}: {e.error.get('message', e)}") from e
    except GoogleAuthError as e:
        raise SourceError(
            config.name,
            f"service-account credentials refused ({e}); check the key and that the sheet is shared with it",
        ) from e
    except requests.RequestException as e:
        raise SourceError(config.name, f"Sheets API unreachable after retries: {e}") from e
    now = (clock or _utc_now)()
    current = ((RawRecord(config.name, options.entity, r.key, r.payload), {"row": r.number}) for r in rows)
    result = diff(
        config.name,
        previous,
        current,
        now,
        keep_deleted=lambda key: not key.startswith(MARKER_PREFIXES),
    )
    result.state.marks["header"] = header
    yield from emit(config.name, position, result)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
