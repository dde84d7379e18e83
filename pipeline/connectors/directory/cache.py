"""A small on-disk HTTP cache for directory pages: validators (ETag, Last-Modified) plus the body's hash.

A re-run sends ``If-None-Match``/``If-Modified-Since``; a 304 answer is served from the cache, so an
unchanged page is not downloaded again but its listings are still read (nothing is lost if the previous
run's landing was rolled back). Without validators the content hash still tells an unchanged page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedPage:
    url: str
    body: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None


class HttpCache:
    """One JSON file per URL under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, url: str) -> Path:
        return self.root / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()}.json"

    def get(self, url: str) -> CachedPage | None:
        path = self._path(url)
        try:
            return CachedPage(**json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as e:
            logger.warning("ignoring damaged cache entry %s: %s", path, e)
            return None

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for ``url`` (empty when it is not cached)."""
        page = self.get(url)
        headers = {}
        if page is not None and page.etag:
            headers["If-None-Match"] = page.etag
        if page is not None and page.last_modified:
            headers["If-Modified-Since"] = page.last_modified
        return headers

    def store(self, url: str, response: requests.Response) -> tuple[CachedPage, bool]:
        """Keep a 200 answer; returns the page and whether its content differs from the cached copy."""
        body = response.text
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        old = self.get(url)
        page = CachedPage(
            url, body, digest, response.headers.get("ETag"), response.headers.get("Last-Modified")
        )
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._path(url).with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(page)), "utf-8")
        os.replace(tmp, self._path(url))
        return page, old is None or old.sha256 != digest
