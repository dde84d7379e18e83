"""A local YellowPages-like directory: paginated result pages of the demo listings, robots.txt, ETags.

Pages are ``/search/page-N.html`` (``per_page`` listings each, a "next" link on every page but the last);
the last page links on to ``/private/page-<N+1>.html``, which robots.txt disallows. Pages carry an ETag
and answer ``If-None-Match`` with 304. CAPTCHA pages and 503 bursts come through ``inject``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from tests.integration.connectors.servers import LocalServer, Reply, Request

ROBOTS = "User-agent: *\nDisallow: /private/\n"
CAPTCHA = (
    '<html><body><h1>Are you a robot?</h1><form id="challenge-form">'
    '<div class="g-recaptcha" data-sitekey="x"></div></form></body></html>'
)


def demo_cards(directory_export: Path) -> list[str]:
    """The listing cards of the demo directory's saved pages, as HTML fragments."""
    cards = []
    for page in sorted(directory_export.glob("page-*.html")):
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        cards.extend(str(card) for card in soup.select("div.result"))
    return cards


class DirectoryServer(LocalServer):
    def __init__(self, cards: list[str], per_page: int = 10) -> None:
        super().__init__(self.route)
        self.pages = [cards[i : i + per_page] for i in range(0, len(cards), per_page)]

    def listing_ids(self) -> list[str]:
        return [re.search(r'data-listing-id="([^"]+)"', c).group(1) for p in self.pages for c in p]  # type: ignore[union-attr]

    def page_html(self, n: int) -> str:
        nxt = f"/search/page-{n + 1}.html" if n < len(self.pages) else f"/private/page-{n + 1}.html"
        return (
            f"<!DOCTYPE html><html><head><title>Results page {n}</title></head><body>"
            f'<div class="search-results organic">{"".join(self.pages[n - 1])}</div>'
            f'<div class="pagination"><a class="next" href="{nxt}">Next</a></div></body></html>'
        )

    def route(self, request: Request) -> Reply:
        path = urlsplit(request.path).path
        if path == "/robots.txt":
            return Reply(200, ROBOTS, {"Content-Type": "text/plain"})
        match = re.fullmatch(r"/search/page-(\d+)\.html", path)
        if not match or not 1 <= int(match.group(1)) <= len(self.pages):
            return Reply(404, "<html><body>Not found</body></html>")
        html = self.page_html(int(match.group(1)))
        etag = '"' + hashlib.sha256(html.encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, html, {"Content-Type": "text/html; charset=utf-8", "ETag": etag})
