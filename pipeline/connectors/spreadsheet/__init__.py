"""The sales team's spreadsheets: local ``.xlsx``/``.csv`` exports, and Google Sheets read live.

``read``/``stage`` are the export-mode reader and stager (``type = "spreadsheet"``);
``read_google_sheet``/``stage_sheet_row`` read a Google Sheet with change detection
(``type = "google_sheet"``). The sync-state and transport helpers are shared with other live connectors.
"""

from pipeline.connectors.spreadsheet.gsheet import read_google_sheet
from pipeline.connectors.spreadsheet.reader import read
from pipeline.connectors.spreadsheet.sheet_stager import stage_sheet_row
from pipeline.connectors.spreadsheet.stager import stage
from pipeline.connectors.spreadsheet.state import (
    Diff,
    JsonFileStateStore,
    StateStore,
    SyncState,
    diff,
    emit,
    is_tombstone,
    state_key,
    tombstone,
)
from pipeline.connectors.spreadsheet.transport import RedirectAdapter, mount, retry_policy
from pipeline.connectors.spreadsheet.values import HeaderDriftError

__all__ = [
    "Diff",
    "HeaderDriftError",
    "JsonFileStateStore",
    "RedirectAdapter",
    "StateStore",
    "SyncState",
    "diff",
    "emit",
    "is_tombstone",
    "mount",
    "read",
    "read_google_sheet",
    "retry_policy",
    "stage",
    "stage_sheet_row",
    "state_key",
    "tombstone",
]
