"""A modern directory page (Next.js, hashed class names, listings in __NEXT_DATA__) read with the documented
example configuration, from saved pages and from a local site serving the same pages unchanged."""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.connectors.directory.web import read_web
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, SourceConfig, StagedRow
from tests.integration.connectors.conftest import FakeClock
from tests.integration.connectors.servers import LocalServer, Reply, Request

ROOT = Path(__file__).resolve().parents[3]
PAGES = ROOT / "tests" / "data" / "directory"


def example() -> dict[str, Any]:
    """The options of the example in docs/connectors.md, "A modern directory page" (so the docs stay true)."""
    doc = (ROOT / "docs" / "connectors.md").read_text("utf-8")
    section = doc[doc.index("### A modern directory page") :]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match is not None
    source = tomllib.loads(match.group(1))["sources"][0]
    return {k: v for k, v in source.items() if k not in ("name", "type")}


LISTINGS = [
    {"listing_id": "1000123456781", "name": "Reef City Plumbing", "phone": "(07) 4051 2345", "street": "12 Sheridan St",
     "locality": "Cairns City", "region": "QLD", "postcode": "4870", "summary": "Plumbers & Gas Fitters, Cairns City, QLD 4870",
     "website": "https://www.reefcityplumbing.com.au/", "category": "Plumbers & Gas Fitters", "rating": "4.6",
     "reviews": "23", "country": "AU"},
    {"listing_id": "1000123456782", "name": "Trinity Gas & Plumbing", "phone": "0412 345 678", "street": None,
     "locality": "Edge Hill", "region": "QLD", "postcode": "4870", "summary": "Plumbers & Gas Fitters, Edge Hill, QLD 4870",
     "website": None, "category": "Plumbers & Gas Fitters", "rating": None, "reviews": None, "country": "AU"},
    {"listing_id": "1000123456783", "name": "Northern Beaches Electrical", "phone": "(07) 4057 6100",
     "street": "4/30 Vasey Esp", "locality": "Trinity Beach", "region": "QLD", "postcode": "4879",
     "summary": "Electricians & Electrical Contractors, Trinity Beach, QLD 4879",
     "website": "http://northernbeacheselectrical.com.au", "category": "Electricians & Electrical Contractors",
     "rating": "5", "reviews": "8", "country": "AU"},
    {"listing_id": "1000123456784", "name": "Cairns Roof Restorations", "phone": "1300 766 377", "street": None,
     "locality": "Manunda", "region": "QLD", "postcode": "4870", "summary": "Roof Restorers, Manunda, QLD 4870",
     "website": "https://cairnsroofs.com.au/contact?utm_source=yp", "category": "Roof Restorers", "rating": "3.9",
     "reviews": "11", "country": "AU"},
]  # fmt: skip


def fields(records: list[RawRecord]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.payload.items() if k not in ("json", "page")} for r in records]


def test_the_example_configuration_reads_saved_modern_pages_whole() -> None:
    config = SourceConfig("yp_au", "directory_html", PAGES, example())
    records = list(CONNECTORS["directory_html"].read(config))
    assert fields(records) == LISTINGS  # name, phone, address, category and website of every listing
    assert [r.source_key for r in records] == [x["listing_id"] for x in LISTINGS]
    assert [r.payload["page"] for r in records] == ["page-1.html"] * 3 + ["page-2.html"]  # next page followed
    assert (
        '"detailsLink": "/qld/cairns-city/reef-city-plumbing-1000123456781-listing.html"'
        in records[0].payload["json"]
    )


@pytest.fixture
def modern_site() -> Iterator[LocalServer]:
    def app(request: Request) -> Reply:
        path = urlsplit(request.path).path
        if path == "/robots.txt":
            return Reply(200, "User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        name = path.rsplit("/", 1)[-1]
        if path.startswith("/search/") and (PAGES / name).is_file():
            return Reply(200, (PAGES / name).read_bytes(), {"Content-Type": "text/html; charset=utf-8"})
        return Reply(404, "not found")

    server = LocalServer(app).start()
    yield server
    server.stop()


def test_the_example_configuration_crawls_the_live_pages_the_same(
    modern_site: LocalServer, tmp_path: Path, clock: FakeClock
) -> None:
    options = {**example(), "start_url": f"{modern_site.url}/search/page-1.html", "cache_dir": str(tmp_path),
               "pace_seconds": [0.5, 1.0], "http": {"rate": 1000.0, "burst": 5, "retries": 1}}  # fmt: skip
    config = SourceConfig("yp_au", "directory_web", None, options)
    records = list(read_web(config, clock=clock, sleep=clock.sleep, rng=random.Random(1)))
    assert fields(records) == LISTINGS
    assert [urlsplit(r.path).path for r in modern_site.log] == [
        "/robots.txt",
        "/search/page-1.html",
        "/search/page-2.html",
    ]


def test_modern_listings_stage_exactly_these_rows() -> None:
    config = SourceConfig("yp_au", "directory_html", PAGES, example())
    # a UK firm reading an Australian directory: each listing's own country (AU) reads its phone and postcode
    stage = CONNECTORS["directory_html"].stager_for(config, home=Locale("GB", "GBP"))
    rows = [row for r in CONNECTORS["directory_html"].read(config) for row in stage(r)]
    au = {"entity": "Listing", "region": "QLD", "country": "AU"}
    assert rows == [
        StagedRow("stg_customer", {**au, "source_key": "1000123456781", "display_name": "Reef City Plumbing",
                  "company_name": "Reef City Plumbing", "phone": "+61740512345", "street": "12 Sheridan St",
                  "city": "Cairns City", "postcode": "4870", "website": "https://www.reefcityplumbing.com.au",
                  "segment": "Plumbers & Gas Fitters", "rating": 4.6}),
        StagedRow("stg_customer", {**au, "source_key": "1000123456782", "display_name": "Trinity Gas & Plumbing",
                  "company_name": "Trinity Gas & Plumbing", "phone": "+61412345678", "street": None,
                  "city": "Edge Hill", "postcode": "4870", "website": None, "segment": "Plumbers & Gas Fitters",
                  "rating": None}),
        StagedRow("stg_customer", {**au, "source_key": "1000123456783", "display_name": "Northern Beaches Electrical",
                  "company_name": "Northern Beaches Electrical", "phone": "+61740576100", "street": "4/30 Vasey Esp",
                  "city": "Trinity Beach", "postcode": "4879", "website": "http://northernbeacheselectrical.com.au",
                  "segment": "Electricians & Electrical Contractors", "rating": 5.0}),
        StagedRow("stg_customer", {**au, "source_key": "1000123456784", "display_name": "Cairns Roof Restorations",
                  "company_name": "Cairns Roof Restorations", "phone": "+611300766377", "street": None,
                  "city": "Manunda", "postcode": "4870", "website": "https://cairnsroofs.com.au/contact?utm_source=yp",
                  "segment": "Roof Restorers", "rating": 3.9}),
    ]  # fmt: skip


def test_saved_pages_honour_the_sources_own_selectors(tmp_path: Path) -> None:
    page = ('<ul><li class="biz" data-id="7"><b class="n">Corner Cafe</b><i class="t">0113 496 0000</i>'
            '<a class="w" href="https://cafe.example">site</a><em class="c">Cafes</em></li></ul>'
            '<a class="more" href="page-2.html">next</a>')  # fmt: skip
    (tmp_path / "page-1.html").write_text(page, "utf-8")
    (tmp_path / "page-2.html").write_text(
        '<ul><li class="biz" data-id="8"><b class="n">Second</b></li></ul>', "utf-8"
    )
    selectors = {"listing": "li.biz", "key": "@data-id", "next": "a.more@href",
                 "fields": {"name": ".n", "phone": ".t", "website": "a.w@href", "category": ".c"}}  # fmt: skip
    config = SourceConfig("dir", "directory_html", tmp_path, {"selectors": selectors})
    records = list(CONNECTORS["directory_html"].read(config))
    assert [(r.source_key, r.payload["name"], r.payload["category"], r.payload["page"]) for r in records] == [
        ("7", "Corner Cafe", "Cafes", "page-1.html"), ("8", "Second", None, "page-2.html"),
    ]  # fmt: skip
    assert CONNECTORS["directory_html"].stage(records[0])[0].values["segment"] == "Cafes"
