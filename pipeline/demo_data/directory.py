"""A YellowPages-like business directory: ``page-1.html`` ... with 25 listings each and next/prev links."""

from __future__ import annotations

import html
import logging
import random
import re
from pathlib import Path
from typing import Final

from pipeline.demo_data import noise
from pipeline.demo_data.reference import SEGMENTS, TOWNS
from pipeline.demo_data.world import SEGMENT_NAMES, Population
from pipeline.demo_data.writers import Truth

logger = logging.getLogger(__name__)

SOURCE: Final = "directory"
PER_PAGE: Final = 25


def listing_html(
    listing_id: str,
    name: str | None,
    street: str,
    locality: str,
    postcode: str,
    phone: str | None,
    website: str | None,
    category: str,
    rating: str | None,
    reviews: int,
) -> str:
    """One listing's markup, in the directory's own classes."""
    e = html.escape
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "listing").lower()).strip("-")
    parts = [
        f'<div class="result" id="lid-{e(listing_id)}" data-listing-id="{e(listing_id)}">',
        '<div class="v-card">',
    ]
    if name is not None:
        parts.append(
            f'<h2 class="n"><a class="business-name" href="/biz/{slug}-{e(listing_id)}"><span>{e(name)}</span></a></h2>'
        )
    if rating is not None:
        parts.append(
            f'<div class="ratings" data-rating="{e(rating)}"><span class="rating">{e(rating)}</span> '
            f'<span class="count">({reviews} reviews)</span></div>'
        )
    parts.append(
        f'<div class="categories"><a href="/c/{e(category.lower().replace(" ", "-"))}">{e(category)}</a></div>'
    )
    if phone is not None:
        parts.append(f'<div class="phones phone primary">{e(phone)}</div>')
    parts.append(
        f'<div class="adr"><span class="street-address">{e(street)}</span>, <span class="locality">{e(locality)}</span>'
        f' <span class="postal-code">{e(postcode)}</span></div>'
    )
    if website is not None:
        parts.append(
            f'<div class="links"><a class="track-visit-website" href="{e(website)}" rel="nofollow">Website</a></div>'
        )
    parts.append("</div></div>")
    return "".join(parts)


class DirectoryWriter:
    """Buffers one page of listings; a page gets a "next" link only once a later listing exists."""

    def __init__(self, root: Path, truth: Truth) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.truth = truth
        self.page = 1
        self.buffer: list[str] = []
        self.count = 0

    def _flush(self, last: bool) -> None:
        n = self.page
        nav = []
        if n > 1:
            nav.append(f'<a class="prev" href="page-{n - 1}.html">Previous</a>')
        if not last:
            nav.append(f'<a class="next" href="page-{n + 1}.html">Next</a>')
        body = (
            '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f"<title>Business suppliers near you - page {n}</title></head><body>\n"
            '<div class="search-results organic">\n' + "\n".join(self.buffer) + "\n</div>\n"
            f'<div class="pagination">{"".join(nav)}</div>\n</body></html>\n'
        )
        (self.root / f"page-{n}.html").write_text(body, encoding="utf-8")
        self.buffer = []
        self.page += 1

    def add(self, fragment: str, key: str, customer: str) -> str:
        """Add a listing; returns the page file it lands on."""
        if len(self.buffer) == PER_PAGE:
            self._flush(last=False)
        self.buffer.append(fragment)
        self.count += 1
        self.truth.record(SOURCE, "Listing", key, customer)
        return f"page-{self.page}.html"

    def listing_id(self) -> str:
        return f"{(self.count + 1) * 2654435761 % 2**32:08x}"

    def write_chunk(self, r: random.Random, pop: Population) -> None:
        for i in range(len(pop)):
            if not pop.in_directory[i]:
                continue
            key = self.listing_id()
            rated = r.random() < 0.7
            rating = f"{r.choice((2.5, 3.0, 3.5, 4.0, 4.0, 4.5, 4.5, 5.0)):.1f}" if rated else None
            website = pop.website[i] if pop.website[i] and r.random() < 0.8 else None
            if website and r.random() < 0.3:
                website = website.replace("https://", "http://")
            fragment = listing_html(
                key,
                noise.company(r, pop.core[i], pop.suffix[i], 0.04),
                noise.street(r, pop.street[i], pop.street_short[i]),
                noise.town(r, TOWNS[pop.town[i]].name),
                pop.postcode[i],
                noise.phone(r, pop.phone[i], r.choice((0, 0, 0, 2, 5))) if r.random() < 0.92 else None,
                website,
                SEGMENTS[SEGMENT_NAMES[pop.segment[i]]][3],
                rating,
                r.randrange(1, 80) if rated else 0,
            )
            self.add(fragment, key, pop.true_id(i))

    def close(self) -> dict[str, int]:
        if self.buffer or self.page == 1:
            self._flush(last=True)
        return {"Listing": self.count}
