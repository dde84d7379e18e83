"""Read saved directory result pages: start at ``start_page`` and follow each page's "next" link.

Each listing becomes a record keyed by its ``data-listing-id`` (or ``nokey:<page>#<n>``) whose payload holds
the parsed fields as text (``name``, ``street``, ``locality``, ``postcode``, ``phone``, ``website``,
``category``, ``rating``, ``reviews``), the ``page`` it came from and its raw ``html`` fragment.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

from pipeline.connectors.directory import extract
from pipeline.connectors.files import source_path
from pipeline.records import RawRecord, SourceConfig

logger = logging.getLogger(__name__)

try:  # lxml parses ~5x faster; the standard library parser gives the same result on these pages
    import lxml  # noqa: F401

    PARSER = "lxml"
except ImportError:  # pragma: no cover - depends on the environment
    PARSER = "html.parser"


def _text(card: Tag | None, cls: str) -> str | None:
    found = card.find(class_=cls) if card is not None else None
    return found.get_text(" ", strip=True) if found is not None else None


def parse_listing(card: Tag) -> dict[str, Any]:
    """The fields of one ``div.result``, as the page shows them."""
    link = card.find("a", class_="track-visit-website")
    rating = card.find(class_="ratings")
    count = _text(rating, "count")
    return {
        "listing_id": card.get("data-listing-id"),
        "name": _text(card, "business-name"),
        "street": _text(card, "street-address"),
        "locality": _text(card, "locality"),
        "postcode": _text(card, "postal-code"),
        "phone": _text(card, "phones"),
        "website": link.get("href") if link is not None else None,
        "category": _text(card, "categories"),
        "rating": rating.get("data-rating") if rating is not None else None,
        "reviews": re.sub(r"\D", "", count) if count else None,
    }


def _soup(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8", errors="replace"), PARSER)


def pages(root: Path, start: str) -> Iterator[tuple[Path, BeautifulSoup]]:
    """Parsed pages in reading order: follow "next" links from ``start``; else every ``page-N.html`` by number."""
    page = root / start
    if not page.exists():
        for p in sorted(root.glob("page-*.html"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0)):
            yield p, _soup(p)
        return
    seen: set[Path] = set()
    while page.exists() and page not in seen:
        seen.add(page)
        soup = _soup(page)
        yield page, soup
        nav = soup.find(class_="pagination")
        link = nav.find("a", class_="next") if nav is not None else None
        href = link.get("href") if link is not None else None
        if not isinstance(href, str) or not re.fullmatch(r"[\w.-]+\.html?", href):
            return
        page = root / href


def read(config: SourceConfig) -> Iterator[RawRecord]:
    root = source_path(config)
    if "extract" in config.options or "selectors" in config.options:  # the source's own rules, as data
        start = str(config.options.get("start_page", "page-1.html"))
        yield from extract.read_saved(config.name, root, start, config.options)
        return
    for page, soup in pages(root, str(config.options.get("start_page", "page-1.html"))):
        for n, card in enumerate(soup.find_all("div", class_="result")):
            fields = parse_listing(card)
            listing_id = fields["listing_id"]
            key = (
                listing_id.strip()
                if isinstance(listing_id, str) and listing_id.strip()
                else f"nokey:{page.name}#{n}"
            )
            yield RawRecord(config.name, "Listing", key, {**fields, "page": page.name, "html": str(card)})
