"""Stage ``google_sheet`` records: tombstones and reject markers first, then the spreadsheet stager.

A deleted row becomes its staging row with every value erased and ``is_active`` false, replacing the
row it staged before (same source and key). A reject marker (blank or repeated key, oversized cell)
is quarantined with the rule and field the reader found.
"""

from __future__ import annotations

import logging
from typing import Final

from pipeline.connectors.common import row
from pipeline.connectors.spreadsheet.stager import stage
from pipeline.connectors.spreadsheet.state import is_tombstone
from pipeline.connectors.spreadsheet.values import REJECT
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)

# The stg_customer entity each spreadsheet entity stages as (see stager.py).
STAGED_ENTITY: Final = {"Lead": "Lead", "Activity": "Contact"}


def stage_deleted(record: RawRecord) -> list[StagedRow]:
    """The inactive, emptied stg_customer row that replaces a deleted row's."""
    entity = STAGED_ENTITY.get(record.entity, record.entity)
    return [row("stg_customer", {"source_key": record.source_key, "entity": entity, "is_active": False})]


def stage_sheet_row(record: RawRecord) -> list[StagedRow]:
    """Rows for one Google Sheet record, or ``Rejected``."""
    if is_tombstone(record.payload):
        return stage_deleted(record)
    marker = record.payload.get(REJECT)
    if isinstance(marker, dict):
        raise Rejected(str(marker.get("rule")), str(marker.get("message")), str(marker.get("field")))
    return stage(record)
