"""Stage directory listings: one ``Listing`` -> one stg_customer row (entity ``Listing``).

The listing's first category is kept as its ``segment`` (what the business does: "Plumbers & Gas
Fitters"), cut to the column's 40 characters; region and country come from the listing when the site
(or the source's ``constants``) gives them, and the postcode is read for that country.
"""

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
    "segment": "category",
}
SEGMENT_LIMIT: Final = 40


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
    country = standard("country", p.get("country"), "country")
    category = text(p.get("category"), "category")
    segment = category.split(", ")[0][:SEGMENT_LIMIT].rstrip() if category else None
    values = {
        "source_key": required(p.get("listing_id"), "listing_id"),
        "entity": "Listing",
        "display_name": name,
        "company_name": name,
        "phone": standard("phone", p.get("phone"), "phone"),
        "street": text(p.get("street"), "street"),
        "city": text(p.get("locality"), "locality"),
        "region": text(p.get("region"), "region"),
        "postcode": standard("postcode", p.get("postcode"), "postcode", country_code=country or "GB"),
        "country": country,
        "website": standard("website", p.get("website"), "website"),
        "segment": segment,
        "rating": rating,
    }
    return [row("stg_customer", values, _FIELDS)]
