"""Pages of the customer list already read, per worker: the same query, reader scope and warehouse data read the
same rows, so a page asked for again is answered without reading the warehouse again.

A search of a million customers costs 5-150 ms of SQLite reading its text index (``warehouse.search``), and
integrations and people ask for the same first pages of common terms over and over. Each worker keeps the last
``SIZE`` pages for at most ``TTL_SECONDS``, keyed by the query (filters, sort, cursor position, page size), whose
customers the caller reads and whether in clear (``warehouse.view_cache.reader_scope``), and the warehouse's
data version (``warehouse.version.data_version``: the latest batch and its status, the last erasure, the
stewards' overrides), so a new batch, an API write's landing batch, an erasure or an override reads afresh. The
version costs one small statement per call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final

from api.v1.context import ApiContext
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.version import data_version
from warehouse.view_cache import ViewCache, reader_scope

logger = logging.getLogger(__name__)

SIZE: Final = 2048  # pages of 25-500 rows: a few MB per worker at most
TTL_SECONDS: Final = 300.0
EXTRA = "customer-pages"


def page_key(
    viewer: Viewer, filters: Mapping[str, Any], after: tuple[Any, int] | None, version: tuple[Any, ...]
) -> Hashable:
    """What a page's rows depend on: the query (the cursor as its decoded position), the reader, the data."""
    query = tuple(sorted((name, value) for name, value in filters.items() if name != "cursor"))
    return (query, after, reader_scope(viewer), version)


def pages(context: ApiContext) -> ViewCache:
    """The worker's page cache, made on first use."""
    cache = context.extras.get(EXTRA)
    if not isinstance(cache, ViewCache):
        cache = context.extras.setdefault(EXTRA, ViewCache(SIZE, TTL_SECONDS))
    assert isinstance(cache, ViewCache)  # nosec B101  # set just above
    return cache


def cached_rows(
    context: ApiContext,
    warehouse: Warehouse,
    viewer: Viewer,
    filters: Mapping[str, Any],
    after: tuple[Any, int] | None,
    read: Callable[[], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The page's rows as ``read()`` gives them, from the cache while the data has not changed."""
    key = page_key(viewer, filters, after, data_version(warehouse))
    rows: list[dict[str, Any]] = pages(context).get_or_build(key, read)
    return rows
