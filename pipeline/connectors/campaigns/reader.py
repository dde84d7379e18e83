"""Read campaign reports: ``campaigns.csv`` (one ``Campaign`` per row, keyed by ``campaign_id``) and
``daily.csv`` (one ``CampaignDaily`` per row, keyed ``<campaign_id>:<date>``). Rows without a key, or that
do not parse, are keyed ``line-<n>``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pipeline.connectors.common import unparsed
from pipeline.connectors.files import read_csv, source_path
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)


def read(config: SourceConfig, position: Position | None = None) -> Iterator[RawRecord]:
    """Every campaign and daily row of the two CSV reports (a snapshot: ``position`` is not used)."""
    for entity, option, default, required in (
        ("Campaign", "campaigns", "campaigns.csv", ("campaign_id",)),
        ("CampaignDaily", "daily", "daily.csv", ("campaign_id", "date")),
    ):
        path = source_path(config, option, default)
        if not path.exists():
            logger.warning("%s: %s not found", config.name, path)
            continue
        for r in read_csv(path, config.options.get("encoding"), required):
            key = f"line-{r.line}" if r.line else f"nokey:{path.name}"
            if r.values is None:
                yield RawRecord(config.name, entity, key, unparsed(r.raw, r.error or "unreadable row"))
                continue
            campaign = r.values.get("campaign_id", "").strip()
            if entity == "Campaign" and campaign:
                key = campaign
            elif entity == "CampaignDaily" and campaign and r.values.get("date", "").strip():
                key = f"{campaign}:{r.values['date'].strip()}"
            yield RawRecord(config.name, entity, key, r.values)
