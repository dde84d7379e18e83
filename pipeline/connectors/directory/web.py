"""Directory scraper mode (``directory_web``): polite crawling of a YellowPages-like site's result pages.

From ``start_url`` it follows each page's "next" link (at most ``max_pages``), parsing listings with the
site's selectors (:mod:`.sites`). It obeys robots.txt (a disallowed page is never requested; the crawl
stops there), waits for the host's token bucket and a jittered human-like pause between pages (at least
the robots.txt Crawl-delay), reuses one session, and asks the :class:`HttpCache` for validators.

A CAPTCHA or block (403, 429/503 after the HTTP layer's retries, or a challenge marker in the page) is met
with one long back-off and a retry; if still blocked the source stops: its position is saved as a resume
cursor for the blocked page, the data steward is alerted (``alert`` hook; by default a WARNING with the
stable text ``directory blocked: data steward action needed``) and :class:`Blocked` is raised. The next
run, given that position, starts from the blocked page. A completed crawl saves a cursor of ``null``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Final
from urllib import robotparser
from urllib.parse import urlsplit

from pipeline.connectors.common import local_dir
from pipeline.connectors.directory.cache import HttpCache
from pipeline.connectors.directory.extract import page_parser
from pipeline.connectors.directory.sites import Selectors, check_block
from pipeline.connectors.http import (
    Blocked,
    Forbidden,
    HttpClient,
    HttpConfig,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Sleep,
)
from pipeline.errors import ConfigError, SourceError
from pipeline.records import Position, RawRecord, Rejected, SourceConfig

logger = logging.getLogger(__name__)

STEWARD_ALERT: Final = "directory blocked: data steward action needed"
Alert = Callable[[str, str, str], None]  # (source, url, reason)


def log_alert(source: str, url: str, reason: str) -> None:
    """The default steward alert: one WARNING with a stable message a log alert rule can match."""
    logger.warning("%s (source=%s url=%s): %s", STEWARD_ALERT, source, url, reason)


def resume_from(watermark: str | None) -> str | None:
    """The page a stopped crawl resumes from, if any."""
    if not watermark:
        return None
    try:
        value = json.loads(watermark).get("resume")
    except (ValueError, AttributeError):
        logger.warning("unreadable directory watermark %r: starting from the first page", watermark[:80])
        return None
    return str(value) if value else None


class Robots:
    """robots.txt of one host, fetched once through the HTTP layer (404: everything allowed)."""

    def __init__(self, http: HttpClient, url: str, agent: str) -> None:
        parts = urlsplit(url)
        self.url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        self.agent = agent
        self.parser = robotparser.RobotFileParser(self.url)
        try:
            text = http.get(self.url).text
        except (NotFound, Forbidden):
            text = ""  # RFC 9309: an unavailable robots.txt (4xx) allows everything
        self.parser.parse(text.splitlines())

    def allowed(self, url: str) -> bool:
        return self.parser.can_fetch(self.agent, url)

    def delay(self) -> float:
        value = self.parser.crawl_delay(self.agent)
        return float(value) if value else 0.0


def read_web(
    config: SourceConfig,
    position: Position | None = None,
    *,
    http: HttpClient | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
    alert: Alert = log_alert,
) -> Generator[RawRecord, None, str]:
    """Listings of every result page from the start (or the resume cursor at ``position``).

    Saves the new watermark at ``position`` when the crawl ends (and returns it), or the resume cursor just
    before ``Blocked`` is raised.
    """
    o = config.options
    start = o.get("start_url")
    if not start:
        raise ConfigError(f"source {config.name!r} (directory_web) needs start_url")
    rng = rng or random.Random()  # pacing jitter between requests, not a secret  # nosec B311
    selectors = Selectors.from_options(o)
    parse = page_parser(o, selectors)  # [sources.extract] rules for embedded JSON, else the selectors
    client = http or HttpClient(config.name, HttpConfig.from_options(o), clock=clock, sleep=sleep, rng=rng)
    cache = HttpCache(Path(o.get("cache_dir") or local_dir(config, "cache_dir") / "http-cache" / config.name))
    agent = str(o.get("robots_agent", "Customer360"))
    robots = Robots(client, str(start), agent)
    low, high = (float(x) for x in o.get("pace_seconds", (1.0, 3.0)))
    low = max(low, robots.delay())
    high = max(high, low)
    url: str | None = resume_from(position.load() if position is not None else None) or str(start)
    seen: set[str] = set()
    for n in range(int(o.get("max_pages", 200))):
        if url is None or url in seen:
            break
        if not robots.allowed(url):
            logger.info("%s: robots.txt disallows %s; the crawl stops there", config.name, url)
            break
        seen.add(url)
        if n:
            sleep(rng.uniform(low, high))  # human-like pacing between pages
        try:
            html = _fetch(client, cache, url, selectors, float(o.get("block_backoff_seconds", 300.0)), sleep)
            listings, next_url = parse(html, url, config.name)
        except Rejected as e:
            raise SourceError(config.name, f"{url}: {e.message}") from e
        except Blocked as e:
            cursor = json.dumps({"resume": url})
            if position is not None:
                position.save(cursor)
            alert(config.name, url, str(e))
            raise
        for i, listing in enumerate(listings):
            key = listing.get("listing_id") or f"nokey:{url}#{i}"
            yield RawRecord(config.name, "Listing", str(key), {**listing, "page": url})
        url = next_url
    done = json.dumps({"resume": None})
    if position is not None:
        position.save(done)
    return done


def _fetch(
    client: HttpClient, cache: HttpCache, url: str, selectors: Selectors, backoff: float, sleep: Sleep
) -> str:
    """The page's HTML: fresh, or from the cache on 304; one long back-off when it looks blocked."""
    source = client.source
    for attempt in (1, 2):
        try:
            response = client.get(url, headers=cache.validators(url), raise_errors=True)
            if response.status_code == 304:
                cached = cache.get(url)
                if cached is not None:
                    logger.debug("%s: %s unchanged (304), read from cache", source, url)
                    return cached.body
                response = client.get(url)
            check_block(response.text, selectors.markers, source, url)  # a block page is never cached
            page, changed = cache.store(url, response)
            if not changed:
                logger.debug("%s: %s unchanged (same content hash)", source, url)
            return page.body
        except (Forbidden, RateLimited, ServiceUnavailable, Blocked) as e:
            if attempt == 2:
                raise Blocked(
                    source, f"still blocked after backing off {backoff:.0f} s: {e}", e.status, url
                ) from e
            logger.info("%s: %s looks blocked (%s); backing off %.0f s", source, url, e, backoff)
            sleep(backoff)
    raise AssertionError("unreachable")  # pragma: no cover
