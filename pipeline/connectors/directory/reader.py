"""Read saved directory result pages: start at ``start_page`` and follow each page's "next" link.

Each listing becomes a record keyed by its ``data-listing-id`` (or ``nokey:<page>#<n>``) whose payload holds
the parsed fields as text (``name``, ``street``, ``locality``, ``postcode``, ``phone``, ``website``,
``category``, ``rating``, ``reviews``), the ``page`` it came from and its raw ``html`` fragment.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

from pipeline.connectors.common import unparsed
from pipeline.connectors.directory import extract
from pipeline.connectors.files import UnreadableFile, raw_text, read_text, source_path
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)

try:  # lxml parses ~5x faster; the standard library parser gives the same result on these pages
    import lxml  # noqa: F401

    PARSER = "lxml"
except ImportError:  # pragma: no cover - depends on the environment
    PARSER = "html.parser"


def _text(card: Tag | None, cls: str) -> str | None:
    found = card.find(class_=cls) if card is not None else None
    return _shown(found)


def _shown(tag: Tag | None) -> str | None:
    return tag.get_text(" ", strip=True) if tag is not None else None


def _first_by_class(card: Tag) -> dict[str | tuple[str, str], Tag]:
    """The first tag inside ``card`` with each class, as ``card.find(class_=...)`` finds it, and under
    ``(name, class)`` the first of that name; one walk of the card instead of one per field."""
    first: dict[str | tuple[str, str], Tag] = {}
    for tag in card.descendants:
        if isinstance(tag, Tag):
            for cls in tag.get_attribute_list("class"):
                first.setdefault(cls, tag)
                first.setdefault((tag.name, cls), tag)
    return first


def parse_listing(card: Tag) -> dict[str, Any]:
    """The fields of one ``div.result``, as the page shows them."""
    first = _first_by_class(card)
    link = first.get(("a", "track-visit-website"))
    rating = first.get("ratings")
    count = _text(rating, "count")
    return {
        "listing_id": card.get("data-listing-id"),
        "name": _shown(first.get("business-name")),
        "street": _shown(first.get("street-address")),
        "locality": _shown(first.get("locality")),
        "postcode": _shown(first.get("postal-code")),
        "phone": _shown(first.get("phones")),
        "website": link.get("href") if link is not None else None,
        "category": _shown(first.get("categories")),
        "rating": rating.get("data-rating") if rating is not None else None,
        "reviews": re.sub(r"\D", "", count) if count else None,
    }


@dataclass(frozen=True)
class Page:
    """A saved page: where it is, its parsed tree, and whether it ends as a whole page does (a page that
    opens ``<html>`` closes it; a saved fragment has neither)."""

    path: Path
    soup: BeautifulSoup
    whole: bool


def _page(path: Path, encoding: str | None) -> Page:
    text = read_text(path, encoding)
    if not text.strip():
        raise UnreadableFile(f"{path.name}: empty file")
    whole = (
        re.search(r"<html", text, re.IGNORECASE) is None
        or re.search(r"</html>\s*$", text, re.IGNORECASE) is not None
    )
    return Page(path, BeautifulSoup(text, PARSER), whole)


def _number(name: str) -> int:
    return int(re.sub(r"\D", "", name) or 0)


def pages(root: Path, start: str, encoding: str | None = None) -> Iterator[Page]:
    """Parsed pages in reading order: follow "next" links from ``start``; else every ``page-N.html`` by number.

    Raises :class:`UnreadableFile` for a page that is missing or not text (the pages after it are not reached).
    """
    path = root / start
    if not path.exists():
        for p in sorted(root.glob("page-*.html"), key=lambda p: _number(p.stem)):
            yield _page(p, encoding)
        return
    seen: set[Path] = set()
    while path not in seen:
        seen.add(path)
        if not path.exists():
            raise UnreadableFile(f"{path.name}: linked as the next page but missing")
        page = _page(path, encoding)
        yield page
        nav = page.soup.find(class_="pagination")
        link = nav.find("a", class_="next") if nav is not None else None
        href = link.get("href") if link is not None else None
        if not isinstance(href, str) or not re.fullmatch(r"[\w.-]+\.html?", href):
            return
        path = root / href


def read(config: SourceConfig, position: Position | None = None) -> Iterator[RawRecord]:
    """Every listing of every page.

    A page that is missing, is not text or is cut short (no closing ``</html>``) is also yielded, as an
    unparsed ``nokey:<page>`` record: the read is incomplete.
    """
    root = source_path(config)
    start = str(config.options.get("start_page", "page-1.html"))
    if not (root / start).exists() and any(root.glob("page-*.html")):
        yield _incomplete(config, start, "the start page is missing; the other pages are read by number")
    try:
        if "extract" in config.options or "selectors" in config.options:  # the source's own rules, as data
            yield from extract.read_saved(config.name, root, start, config.options)
            return
        for page in pages(root, start, config.options.get("encoding")):
            listings = list(_listings(config, page))
            if not page.whole:
                yield _incomplete(config, page.path.name, "cut short (no closing </html>)")
            elif not listings and page.soup.find("html") is None:
                yield _incomplete(config, page.path.name, "not a results page (no listings, no <html>)")
            yield from listings
    except UnreadableFile as e:
        name = str(e).split(":", 1)[0]
        yield RawRecord(config.name, "Listing", f"nokey:{name}", unparsed(raw_text(root / name), str(e)))


def _incomplete(config: SourceConfig, page: str, why: str) -> RawRecord:
    return RawRecord(config.name, "Listing", f"nokey:{page}", unparsed("", f"{page}: {why}"))


def _listings(config: SourceConfig, page: Page) -> Iterator[RawRecord]:
    for n, card in enumerate(page.soup.find_all("div", class_="result")):
        fields = parse_listing(card)
        listing_id = fields["listing_id"]
        key = (
            listing_id.strip()
            if isinstance(listing_id, str) and listing_id.strip()
            else f"nokey:{page.path.name}#{n}"
        )
        yield RawRecord(config.name, "Listing", key, {**fields, "page": page.path.name, "html": str(card)})
