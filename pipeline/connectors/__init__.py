"""Source connectors: for each source type, a reader that yields raw records and a stager that types them.

``CONNECTORS`` maps the ``type`` of a ``[[sources]]`` entry in ``sources.toml`` to its :class:`Connector`.
Every reader has the one shape :class:`~pipeline.records.Reader`, ``read(source, position)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from pipeline.connectors import campaigns, directory, instagram, quickbooks, spreadsheet
from pipeline.connectors.directory import web as directory_web
from pipeline.connectors.instagram import live as instagram_live
from pipeline.quality.locale import Locale, home_locale, source_locale
from pipeline.records import LocaleStager, RawRecord, Reader, SourceConfig, StagedRow, Stager

__all__ = ["CONNECTORS", "Connector"]


@dataclass(frozen=True)
class Connector:
    """How to read a source type and stage its records.

    Every reader is called the same way, ``read(source, position)``. ``sync`` says what a live reader keeps
    at its position, and so where the land step keeps it in ``ops_watermark`` (:meth:`position_name`):
    ``watermark`` readers a watermark (``extract:<source>``), ``state`` readers the keys and hashes they
    have seen (``sync:<source>``). File readers have none (``None``): they read the whole export each time.

    ``stage_in`` types one record read in a :class:`~pipeline.quality.locale.Locale` (the country national
    phone numbers and postcodes belong to, unless the record's own address names another); the stage step
    binds it per source with :meth:`stager_for`.

    ``entity_files`` names, for a file reader whose entities each read files of their own, the files of each
    entity; such a reader reads only the entities its ``entities`` option names, so the land step can leave
    out an entity whose files have not changed (``pipeline.land_parts``).
    """

    read: Reader
    stage_in: LocaleStager
    sync: Literal["watermark", "state"] | None = None
    entity_files: Callable[[SourceConfig], Mapping[str, Sequence[Path]]] | None = None

    def position_name(self, source: SourceConfig) -> str | None:
        """The ``ops_watermark`` name of the source's position; ``None`` for a file reader (no position)."""
        if self.sync is None:
            return None
        return f"{'extract' if self.sync == 'watermark' else 'sync'}:{source.name}"

    def stager_for(self, source: SourceConfig, home: Locale) -> Stager:
        """The stager of one source: its records read in its own ``country``/``currency`` options, else ``home``."""
        locale, stage_in = source_locale(source.name, source.options, home), self.stage_in
        return lambda record: stage_in(record, locale)

    def stage(self, record: RawRecord, locale: Locale | None = None) -> list[StagedRow]:
        """Rows for one record read in ``locale``; without one, in the settings' home locale."""
        return self.stage_in(record, locale or home_locale())


CONNECTORS: Final[dict[str, Connector]] = {
    "quickbooks_export": Connector(quickbooks.read, quickbooks.stage, entity_files=quickbooks.entity_files),
    "quickbooks_api": Connector(quickbooks.read_api, quickbooks.stage_api, "watermark"),
    "spreadsheet": Connector(spreadsheet.read, spreadsheet.stage),
    "google_sheet": Connector(spreadsheet.read_google_sheet, spreadsheet.stage_sheet_row, "state"),
    "instagram_export": Connector(instagram.read, instagram.stage),
    "instagram_web": Connector(instagram_live.read_instagram_web, instagram_live.stage_instagram, "state"),
    "instagram_graph": Connector(
        instagram_live.read_instagram_graph, instagram_live.stage_instagram, "state"
    ),
    "directory_html": Connector(directory.read, directory.stage),
    "directory_web": Connector(directory_web.read_web, directory.stage, "watermark"),
    "campaign_csv": Connector(campaigns.read, campaigns.stage),
}
