"""Source connectors: for each source type, a reader that yields raw records and a stager that types them.

``CONNECTORS`` maps the ``type`` of a ``[[sources]]`` entry in ``sources.toml`` to its :class:`Connector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pipeline.connectors import campaigns, directory, instagram, quickbooks, spreadsheet
from pipeline.connectors.directory import web as directory_web
from pipeline.connectors.instagram import live as instagram_live
from pipeline.records import Reader, Stager

__all__ = ["CONNECTORS", "Connector"]


@dataclass(frozen=True)
class Connector:
    """How to read a source type and stage its records."""

    read: Reader
    stage: Stager


CONNECTORS: Final[dict[str, Connector]] = {
    "quickbooks_export": Connector(quickbooks.read, quickbooks.stage),
    "quickbooks_api": Connector(quickbooks.read_api, quickbooks.stage_api),
    "spreadsheet": Connector(spreadsheet.read, spreadsheet.stage),
    "google_sheet": Connector(spreadsheet.read_google_sheet, spreadsheet.stage_sheet_row),
    "instagram_export": Connector(instagram.read, instagram.stage),
    "instagram_web": Connector(instagram_live.read_instagram_web, instagram_live.stage_instagram),
    "instagram_graph": Connector(instagram_live.read_instagram_graph, instagram_live.stage_instagram),
    "directory_html": Connector(directory.read, directory.stage),
    "directory_web": Connector(directory_web.read_web, directory.stage),
    "campaign_csv": Connector(campaigns.read, campaigns.stage),
}
