"""A small per-process cache of drawn views: the same view, reader scope and warehouse data draw the same charts.

The Overview's and Analytics' drill panels open on the same few views for everyone (the last 30 or 90 days), and
drawing them is mostly Plotly figure building; a worker keeps the last ``size`` drawings for ``ttl`` seconds,
keyed by the view, whose customers the reader may see and whether in clear, and the warehouse's data version
(the latest batch and its status, the last erasure, the stewards' overrides), so a finished batch, an erasure
or an override draws afresh.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Final

from warehouse.policy import Viewer

logger = logging.getLogger(__name__)

SIZE: Final = 128
TTL_SECONDS: Final = 300.0


def reader_scope(viewer: Viewer) -> tuple[Any, ...]:
    """What of the warehouse ``viewer`` reads: every customer or one rep's, and names in clear or masked."""
    customers = ("all",) if viewer.all_customers else (viewer.role, viewer.rep_key)
    return (*customers, viewer.sees_pii)


class ViewCache:
    """Least recently used drawings, each kept at most ``ttl`` seconds; safe across a worker's threads."""

    def __init__(
        self, size: int = SIZE, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size, self._ttl, self._clock = size, ttl, clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The drawing kept under ``key``, or ``build()``'s (kept unless it raises)."""
        now = self._clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found[0] < self._ttl:
                self._items.move_to_end(key)
                return found[1]
        value = build()  # outside the lock: two threads may draw the same view once each, never wait on one
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


__all__ = ["SIZE", "TTL_SECONDS", "ViewCache", "reader_scope"]
