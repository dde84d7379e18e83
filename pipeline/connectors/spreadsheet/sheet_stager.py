"""Stage ``google_sheet`` records: reject markers first, then the spreadsheet stager.

A reject marker (blank or repeated key, oversized cell) is quarantined with the rule and field the
reader found. A deleted row comes as a tombstone, which the stage step handles for every source.
"""

from __future__ import annotations

import logging

from pipeline.connectors.spreadsheet.stager import stage
from pipeline.connectors.spreadsheet.values import REJECT
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)


def stage_sheet_row(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one Google Sheet record, or ``Rejected``."""
    marker = record.payload.get(REJECT)
    if isinstance(marker, dict):
        raise Rejected(str(marker.get("rule")), str(marker.get("message")), str(marker.get("field")))
    return stage(record, locale)
