"""Source connectors: for each source type, a reader that yields raw records and a stager that types them.

``CONNECTORS`` maps the ``type`` of a ``[[sources]]`` entry in ``sources.toml`` to its :class:`Connector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pipeline.connectors import campaigns, directory, instagram, quickbooks, spreadsheet
from pipeline.records import Reader, Stager

__all__ = ["CONNECTORS", "Connector"]


@dataclass(frozen=True)
class Connector:
    """How to read a source type and stage its records."""

    read: Reader
    stage: Stager


CONNECTORS: Final[dict[str, Connector]] = {
    "quickbooks_export": Connector(quickbooks.read, quickbooks.stage),
    "spreadsheet": Connector(spreadsheet.read, spreadsheet.stage),
    "instagram_export": Connector(instagram.read, instagram.stage),
    "directory_html": Connector(directory.read, directory.stage),
    "campaign_csv": Connector(campaigns.read, campaigns.stage),
}
