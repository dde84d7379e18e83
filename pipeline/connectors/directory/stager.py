"""Stage directory listings: one ``Listing`` -> one stg_customer row (entity ``Listing``)."""

from __future__ import annotations

import logging
from typing import Final

from pipeline.connectors.common import check_parsed, integer, number, required, row, standard, text
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)

_FIELDS: Final = {
    "source_key": "listing_id",
    "display_name": "name",
    "company_name": "name",
    "city": "locality",
}


def stage(record: RawRecord) -> list[StagedRow]:
    """A stg_customer row for one listing, or ``Rejected``."""
    p = record.payload
    check_parsed(p)
    if record.entity != "Listing":
        raise Rejected("entity", f"directory entity {record.entity!r} is not staged", None)
    name = required(p.get("name"), "name")
    rating = number(p.get("rating"), "rating")
    if rating is not None and not 0 <= rating <= 5:
        raise Rejected("range", f"rating: {rating} is outside 0..5", "rating")
    integer(p.get("reviews"), "reviews")
    values = {
        "source_key": required(p.get("listing_id"), "listing_id"),
        "entity": "Listing",
        "display_name": name,
        "company_name": name,
        "phone": standard("phone", p.get("phone"), "phone"),
        "street": text(p.get("street"), "street"),
        "city": text(p.get("locality"), "locality"),
        "postcode": standard("postcode", p.get("postcode"), "postcode"),
        "website": standard("website", p.get("website"), "website"),
        "segment": None,
        "rating": rating,
    }
    return [row("stg_customer", values, _FIELDS)]
