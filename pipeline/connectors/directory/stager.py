"""Stage directory listings: one ``Listing`` -> one stg_customer row (entity ``Listing``).

The listing's first category is kept as its ``segment`` (what the business does: "Plumbers & Gas
Fitters"), cut to the column's 40 characters; region and country come from the listing when the site
(or the source's ``constants``) gives them; phone and postcode are read for that country, else the source's
locale (its ``country`` option, else the home country). A phone, postcode or website that fails is flagged.
"""

from __future__ import annotations

import logging
from typing import Final

from pipeline.connectors.common import Fields, check_parsed, integer, number, required, row, text
from pipeline.quality.locale import Locale
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


def stage(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """A stg_customer row for one listing (and its field flags), or ``Rejected``."""
    p, f = record.payload, Fields(record)
    check_parsed(p)
    if record.entity != "Listing":
        raise Rejected("entity", f"directory entity {record.entity!r} is not staged", None)
    name = required(p.get("name"), "name")
    rating = number(p.get("rating"), "rating")
    if rating is not None and not 0 <= rating <= 5:
        raise Rejected("range", f"rating: {rating} is outside 0..5", "rating")
    integer(p.get("reviews"), "reviews")
    country, read_as = f.country(p.get("country"), "country", locale)
    category = text(p.get("category"), "category")
    segment = category.split(", ")[0][:SEGMENT_LIMIT].rstrip() if category else None
    values = {
        "source_key": required(p.get("listing_id"), "listing_id"),
        "entity": "Listing",
        "display_name": name,
        "company_name": name,
        "phone": f.standard("phone", p.get("phone"), "phone", country_code=read_as),
        "street": text(p.get("street"), "street"),
        "city": text(p.get("locality"), "locality"),
        "region": text(p.get("region"), "region"),
        "postcode": f.standard("postcode", p.get("postcode"), "postcode", country_code=read_as),
        "country": country,
        "website": f.standard("website", p.get("website"), "website"),
        "segment": segment,
        "rating": rating,
    }
    return f.rows(row("stg_customer", values, _FIELDS))
