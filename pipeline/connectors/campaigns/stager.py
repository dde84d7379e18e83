"""Stage campaign reports: ``Campaign`` -> stg_campaign, ``CampaignDaily`` -> stg_campaign_daily."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from pipeline.connectors.common import check_parsed, date, integer, money, required, row
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)

_CAMPAIGN_FIELDS: Final = {"source_key": "campaign_id", "start_date": "start_date", "end_date": "end_date"}


def _campaign(p: Mapping[str, Any]) -> list[StagedRow]:
    start, end = date(p.get("start_date"), "start_date"), date(p.get("end_date"), "end_date")
    if start and end and end < start:
        raise Rejected("range", f"end_date {end} is before start_date {start}", "end_date")
    values = {
        "source_key": required(p.get("campaign_id"), "campaign_id"),
        "name": required(p.get("name"), "name"),
        "channel": required(p.get("channel"), "channel").lower().replace(" ", "_"),
        "start_date": start,
        "end_date": end,
        "budget": money(p.get("budget"), "budget"),
    }
    return [row("stg_campaign", values, _CAMPAIGN_FIELDS)]


def _required_count(p: Mapping[str, Any], field: str) -> int:
    value = integer(p.get(field), field)
    if value is None:
        raise Rejected("required", f"{field} is required", field)
    if value < 0:
        raise Rejected("range", f"{field}: {value} is negative", field)
    return value


def _daily(p: Mapping[str, Any]) -> list[StagedRow]:
    campaign = required(p.get("campaign_id"), "campaign_id")
    day = date(p.get("date"), "date")
    if day is None:
        raise Rejected("required", "date is required", "date")
    spend = money(p.get("spend"), "spend")
    if spend is None:
        raise Rejected("required", "spend is required", "spend")
    values = {
        "campaign_source_key": campaign,
        "day": day,
        "spend": spend,
        "impressions": _required_count(p, "impressions"),
        "clicks": _required_count(p, "clicks"),
        "conversions": _required_count(p, "conversions"),
    }
    return [row("stg_campaign_daily", values, {"campaign_source_key": "campaign_id"})]


def stage(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one campaign report row, or ``Rejected`` (no field here needs ``locale``)."""
    check_parsed(record.payload)
    if record.entity == "Campaign":
        return _campaign(record.payload)
    if record.entity == "CampaignDaily":
        return _daily(record.payload)
    raise Rejected("entity", f"campaign entity {record.entity!r} is not staged", None)
