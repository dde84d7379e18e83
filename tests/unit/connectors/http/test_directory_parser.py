"""The data-declared directory parser: exact fields on known markup; any HTML parses or is refused cleanly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.connectors.directory.sites import Selectors, parse_page
from pipeline.errors import ConfigError, SourceError
from pipeline.records import Rejected

CARD = (
    '<div class="result" data-listing-id="ab12"><a class="business-name" href="/biz/x"><span>Smith &amp; Co</span></a>'
    '<div class="ratings" data-rating="4.5"><span class="count">(71 reviews)</span></div>'
    '<div class="categories"><a>Roofing</a></div><div class="phones">0131 222 0620</div>'
    '<span class="street-address">82 Mill Street</span><span class="locality">Edinburgh</span>'
    '<span class="postal-code">EH4 6GY</span><a class="track-visit-website" href="https://smith.example">Web</a></div>'
)
PAGE = f'<html><body>{CARD}<div class="pagination"><a class="next" href="page-2.html">Next</a></div></body></html>'


def test_default_selectors_read_every_field_and_the_next_link() -> None:
    listings, nxt = parse_page(PAGE, Selectors(), "http://dir.example/search/page-1.html")
    assert nxt == "http://dir.example/search/page-2.html"
    listing = {k: v for k, v in listings[0].items() if k != "html"}
    assert listing == {
        "listing_id": "ab12", "name": "Smith & Co", "street": "82 Mill Street", "locality": "Edinburgh",
        "postcode": "EH4 6GY", "phone": "0131 222 0620", "website": "https://smith.example",
        "category": "Roofing", "rating": "4.5", "reviews": "71",
    }  # fmt: skip


def test_selectors_come_from_config_and_bad_css_is_a_config_error() -> None:
    html = '<ul><li data-id="7"><b>Acme</b><i>01234 567890</i></li></ul>'
    options = {"selectors": {"listing": "li", "key": "@data-id", "next": "a.more@href",
                             "fields": {"name": "b", "phone": "i"}}}  # fmt: skip
    listings, nxt = parse_page(html, Selectors.from_options(options), "http://x/")
    assert [(x["listing_id"], x["name"], x["phone"]) for x in listings] == [("7", "Acme", "01234 567890")]
    assert nxt is None
    with pytest.raises(ConfigError, match="not valid CSS"):
        Selectors.from_options({"selectors": {"listing": "div[["}})


def test_a_challenge_page_is_blocked_not_parsed() -> None:
    with pytest.raises(SourceError, match="CAPTCHA"):
        parse_page('<div class="g-recaptcha"></div>', Selectors(), "http://x/")


fragments = st.sampled_from([
    CARD, "<div class='result'>", "</div>", "<a class='next' href='", "<span class='count'>", "<![CDATA[", "<!--",
    "<script>", "&#x0;", "&amp", "<div class=\"result\" data-listing-id=\"\">", "\x00", "<table><tr><td>", "'>",
])  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(fragments, st.text(max_size=40)), max_size=30))
def test_any_html_parses_to_listings_or_is_refused_with_a_reason(parts: list[str]) -> None:
    html = "".join(parts)
    try:
        listings, nxt = parse_page(html, Selectors(), "http://dir.example/search/page-1.html")
    except (Rejected, SourceError) as e:
        assert str(e)
        return
    assert all(isinstance(x, dict) and "listing_id" in x for x in listings)
    assert nxt is None or nxt.startswith("http")
