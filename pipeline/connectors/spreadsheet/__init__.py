"""The sales team's spreadsheets: local ``.xlsx``/``.csv`` exports, and Google Sheets read live.

``read``/``stage`` are the export-mode reader and stager (``type = "spreadsheet"``);
``read_google_sheet``/``stage_sheet_row`` read a Google Sheet with change detection
(``type = "google_sheet"``).
"""

from pipeline.connectors.spreadsheet.gsheet import read_google_sheet
from pipeline.connectors.spreadsheet.reader import read
from pipeline.connectors.spreadsheet.sheet_stager import stage_sheet_row
from pipeline.connectors.spreadsheet.stager import stage
from pipeline.connectors.spreadsheet.values import HeaderDriftError

__all__ = [
    "HeaderDriftError",
    "read",
    "read_google_sheet",
    "stage",
    "stage_sheet_row",
]
