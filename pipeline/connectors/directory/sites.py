"""Per-site directory parsers declared as data: CSS selectors from ``sources.toml``, one pure parse function.

A field spec is ``"<css>"`` (the element's text), ``"<css>@<attr>"`` (an attribute), ``"@<attr>"`` (an
attribute of the listing element itself), optionally followed by ``"|digits"`` (keep digits only). The
defaults read the YellowPages-like markup of the demo directory. Challenge markers are lower-case
fragments of a CAPTCHA or block page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urljoin

import soupsieve
from bs4 import BeautifulSoup, Tag

from pipeline.connectors.http import Blocked
from pipeline.errors import ConfigError
from pipeline.records import Rejected

logger = logging.getLogger(__name__)

DEFAULT_FIELDS: Final = {
    "name": ".business-name",
    "street": ".street-address",
    "locality": ".locality",
    "postcode": ".postal-code",
    "phone": ".phones",
    "website": "a.track-visit-website@href",
    "category": ".categories",
    "rating": ".ratings@data-rating",
    "reviews": ".ratings .count|digits",
}
DEFAULT_MARKERS: Final = (
    "g-recaptcha",
    "h-captcha",
    "cf-challenge",
    'id="challenge-form"',
    "unusual traffic from your computer",
    "verify you are a human",
)
MAX_PAGE_CHARS: Final = 5_000_000


@dataclass(frozen=True)
class Selectors:
    """How to read one site's result pages."""

    listing: str = "div.result"
    key: str = "@data-listing-id"
    next: str = ".pagination a.next@href"
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    markers: tuple[str, ...] = DEFAULT_MARKERS

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Selectors:
        """From the source's ``[sources.selectors]`` table (any key left out keeps its default)."""
        raw = options.get("selectors", {})
        if not isinstance(raw, Mapping):
            raise ConfigError("selectors must be a table of CSS selectors")
        base = cls()
        selectors = cls(
            listing=str(raw.get("listing", base.listing)),
            key=str(raw.get("key", base.key)),
            next=str(raw.get("next", base.next)),
            fields={str(k): str(v) for k, v in dict(raw.get("fields", base.fields)).items()},
            markers=tuple(str(m).lower() for m in raw.get("markers", base.markers)),
        )
        for spec in (selectors.listing, selectors.key, selectors.next, *selectors.fields.values()):
            css = _split(spec)[0]
            if css:
                try:
                    soupsieve.compile(css)
                except soupsieve.SelectorSyntaxError as e:
                    raise ConfigError(f"selector {spec!r} is not valid CSS: {e}") from e
        return selectors


def _split(spec: str) -> tuple[str, str | None, bool]:
    spec, _, post = spec.partition("|")
    css, _, attr = spec.partition("@")
    return css.strip(), attr.strip() or None, post.strip() == "digits"


def _value(root: Tag, spec: str) -> str | None:
    css, attr, digits = _split(spec)
    found = root.select_one(css) if css else root
    if found is None:
        return None
    raw = found.get(attr) if attr else found.get_text(" ", strip=True)
    if isinstance(raw, list):
        raw = " ".join(raw)
    if raw is None:
        return None
    text = re.sub(r"\D", "", raw) if digits else raw.strip()
    return text or None


def check_block(html: str, markers: tuple[str, ...], source: str, url: str) -> None:
    """Raise :class:`Blocked` when the page is a CAPTCHA or block page."""
    lowered = html.lower()
    hit = next((m for m in markers if m in lowered), None)
    if hit is not None:
        raise Blocked(source, f"{url} is a CAPTCHA or block page (marker {hit!r})", 200, url)


def parse_page(
    html: str, selectors: Selectors, url: str, source: str = "directory"
) -> tuple[list[dict[str, Any]], str | None]:
    """The listings on one result page and the absolute URL of the next page (or ``None``).

    Raises :class:`Blocked` for a challenge page and :class:`Rejected` for a page that cannot be read.
    """
    if len(html) > MAX_PAGE_CHARS:
        raise Rejected("too_long", f"{url}: page of {len(html)} characters is over {MAX_PAGE_CHARS}", None)
    check_block(html, selectors.markers, source, url)
    try:
        soup = BeautifulSoup(html, "html.parser")
        listings = []
        for card in soup.select(selectors.listing):
            fields = {name: _value(card, spec) for name, spec in selectors.fields.items()}
            listings.append({"listing_id": _value(card, selectors.key), **fields, "html": str(card)[:20_000]})
        href = _value(soup, selectors.next)
    except (ValueError, TypeError, AttributeError, RecursionError, AssertionError) as e:
        raise Rejected("parse", f"{url}: page cannot be parsed: {type(e).__name__}: {e}"[:400], None) from e
    return listings, urljoin(url, href) if href else None
