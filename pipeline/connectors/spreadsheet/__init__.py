"""The sales team's spreadsheets: the leads workbook and the activity log (export mode)."""

from pipeline.connectors.spreadsheet.reader import read
from pipeline.connectors.spreadsheet.stager import stage

__all__ = ["read", "stage"]
