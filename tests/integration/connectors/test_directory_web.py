"""Directory scraper mode against a local directory site: robots.txt, rate, cache, blocks and resume."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.connectors.directory.web import STEWARD_ALERT, read_web
from pipeline.connectors.http import Blocked
from pipeline.connectors.position import MemoryPosition
from pipeline.records import RawRecord, SourceConfig
from tests.integration.connectors.conftest import FakeClock
from tests.integration.connectors.directory_server import CAPTCHA, DirectoryServer, demo_cards
from tests.integration.connectors.servers import Reply


@pytest.fixture(scope="session")
def cards(demo_dir: Path) -> list[str]:
    return demo_cards(demo_dir / "directory")


@pytest.fixture
def site(cards: list[str]) -> Iterator[DirectoryServer]:
    server = DirectoryServer(cards, per_page=10).start()
    yield server
    server.stop()


def source(site: DirectoryServer, tmp_path: Path, **extra: Any) -> SourceConfig:
    options = {
        "lawful_basis": "legitimate_interests",
        "terms_of_service": "public listings; robots.txt honoured",
        "start_url": f"{site.url}/search/page-1.html",
        "cache_dir": str(tmp_path / "cache"),
        "pace_seconds": [0.5, 1.5],
        "block_backoff_seconds": 60,
        "http": {"rate": 1000.0, "burst": 5, "retries": 3, "user_agents": ["UA-one", "UA-two"]},
        **extra,
    }
    return SourceConfig(name="yp", type="directory_web", options=options)


def crawl(
    config: SourceConfig, clock: FakeClock, watermark: str | None = None, **kw: Any
) -> tuple[list[RawRecord], list[str]]:
    position = MemoryPosition(watermark)
    gen = read_web(config, position, clock=clock, sleep=clock.sleep, rng=random.Random(3), **kw)
    return list(gen), position.saves


def test_crawl_reads_every_listing_once_and_never_requests_a_disallowed_page(
    site: DirectoryServer, tmp_path: Path, clock: FakeClock
) -> None:
    records, marks = crawl(source(site, tmp_path), clock)
    assert [r.source_key for r in records] == site.listing_ids()
    assert json.loads(marks[-1]) == {"resume": None}
    assert not site.requests("/private/")  # robots.txt: the last "next" link is never followed
    assert len(site.requests("/robots.txt")) == 1
    pauses = clock.slept
    assert len(pauses) == len(site.pages) - 1 and all(0.5 <= s <= 1.5 for s in pauses)  # jittered pacing
    agents = {r.headers["User-Agent"] for r in site.requests("/search/")}
    assert agents == {"UA-one", "UA-two"}  # rotation from config


def test_per_host_rate_holds_in_the_server_log(site: DirectoryServer, tmp_path: Path) -> None:
    config = source(site, tmp_path, pace_seconds=[0.0, 0.0], http={"rate": 20.0, "burst": 1})
    records = list(read_web(config))  # real clock and sleep: the server's own timestamps are the judge
    assert len(records) == len(site.listing_ids())
    times = [r.at for r in site.log]
    # Any 5 consecutive intervals span at least 5 / rate (less 30 ms of scheduling noise at either end).
    spans = [b - a for a, b in zip(times, times[5:], strict=False)]
    assert len(times) == len(site.pages) + 1 and min(spans) >= 5 / 20 - 0.03, spans


def test_a_rerun_does_not_refetch_unchanged_pages(
    site: DirectoryServer, tmp_path: Path, clock: FakeClock
) -> None:
    first, _ = crawl(source(site, tmp_path), clock)
    second, _ = crawl(source(site, tmp_path), clock)
    assert [r.payload for r in second] == [r.payload for r in first]  # same listings, from the cache
    reruns = site.requests("/search/")[len(site.pages) :]
    assert len(reruns) == len(site.pages) and all("If-None-Match" in r.headers for r in reruns)


def test_a_503_burst_is_retried_and_the_crawl_completes(
    site: DirectoryServer, tmp_path: Path, clock: FakeClock
) -> None:
    site.inject("/search/page-2", [Reply(503, "busy", {"Retry-After": "4"})] * 2)
    records, _ = crawl(source(site, tmp_path), clock)
    assert [r.source_key for r in records] == site.listing_ids()
    assert 4.0 in clock.slept


def test_a_captcha_stops_the_source_alerts_the_steward_and_resumes_later(
    site: DirectoryServer, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    config = source(site, tmp_path)
    site.inject("/search/page-3", [Reply(200, CAPTCHA, {"Content-Type": "text/html"})] * 2)
    got: list[RawRecord] = []
    position = MemoryPosition()
    marks = position.saves
    with caplog.at_level(logging.WARNING), pytest.raises(Blocked, match="still blocked"):
        for record in read_web(config, position, clock=clock, sleep=clock.sleep):
            got.append(record)
    assert STEWARD_ALERT in caplog.text
    assert 60.0 in clock.slept  # backed off once before giving up
    assert json.loads(marks[-1]) == {"resume": f"{site.url}/search/page-3.html"}
    before = len(site.requests("/search/page-1"))
    rest, _ = crawl(config, clock, watermark=marks[-1])
    assert len(site.requests("/search/page-1")) == before  # resumed where it stopped
    keys = [r.source_key for r in got + rest]
    assert keys == site.listing_ids()  # nothing lost, nothing twice


def test_robots_disallowing_the_start_page_means_no_page_is_fetched(
    site: DirectoryServer, tmp_path: Path, clock: FakeClock
) -> None:
    records, marks = crawl(source(site, tmp_path, start_url=f"{site.url}/private/page-1.html"), clock)
    assert records == [] and not site.requests("/private/")
