"""Pure request builders and response readers for the QuickBooks Online Accounting API v3.

Nothing here does I/O: the query text, the ChangeDataCapture parameters, the watermark and the reading
of query and CDC bodies are plain functions, unit-tested by exact output.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

logger = logging.getLogger(__name__)

API_ENTITIES: Final = (
    "Customer", "Item", "Invoice", "SalesReceipt", "Payment", "PaymentMethod", "Estimate", "CreditMemo",
)  # fmt: skip
MAX_RESULTS: Final = 1000  # the API's ceiling for MAXRESULTS
CDC_MAX_OBJECTS: Final = 1000  # CDC returns at most this many objects per entity; more means "do a full load"
CDC_LOOKBACK: Final = dt.timedelta(days=30)  # CDC cannot look further back than this


def select_page(entity: str, start: int, size: int) -> str:
    """``select * from Customer STARTPOSITION 1 MAXRESULTS 100``; positions are 1-based."""
    if entity not in API_ENTITIES:
        raise ValueError(f"unknown QuickBooks entity {entity!r}; known: {API_ENTITIES}")
    if start < 1 or not 1 <= size <= MAX_RESULTS:
        raise ValueError(f"STARTPOSITION must be >= 1 and MAXRESULTS 1..{MAX_RESULTS}")
    return f"select * from {entity} STARTPOSITION {start} MAXRESULTS {size}"  # checked entity, integers  # nosec B608


def cdc_entities(entities: Sequence[str]) -> str:
    """The ``entities`` parameter of the CDC endpoint: ``Customer,Invoice``."""
    unknown = [e for e in entities if e not in API_ENTITIES]
    if unknown or not entities:
        raise ValueError(f"unknown or no QuickBooks entities {unknown or entities}")
    return ",".join(entities)


def page_objects(body: Mapping[str, Any], entity: str) -> list[Any]:
    """The objects of one query response (an empty page has no entity key at all)."""
    response = body.get("QueryResponse")
    if not isinstance(response, Mapping):
        raise ValueError("query response has no QueryResponse object")
    objects = response.get(entity, [])
    if not isinstance(objects, list):
        raise ValueError(f"QueryResponse.{entity} is not a list")
    return objects


def cdc_objects(body: Mapping[str, Any], entities: Iterable[str]) -> dict[str, list[Any]]:
    """Changed and deleted objects per entity from a CDC response (deleted ones have ``status: Deleted``)."""
    wanted = set(entities)
    found: dict[str, list[Any]] = {e: [] for e in wanted}
    responses = body.get("CDCResponse")
    if not isinstance(responses, list):
        raise ValueError("CDC response has no CDCResponse list")
    for block in responses:
        queries = block.get("QueryResponse", []) if isinstance(block, Mapping) else None
        if not isinstance(queries, list):
            raise ValueError("a CDCResponse block is not an object with a QueryResponse list")
        for query in queries:
            if not isinstance(query, Mapping):
                continue
            for entity in wanted.intersection(query):
                objects = query[entity]
                if not isinstance(objects, list):
                    raise ValueError(f"CDC QueryResponse.{entity} is not a list")
                found[entity].extend(objects)
    return found


def is_deleted(payload: Mapping[str, Any]) -> bool:
    """A CDC tombstone: QuickBooks deleted the object (only ``Id``, ``status`` and ``MetaData`` remain)."""
    return payload.get("status") == "Deleted"


def parse_time(value: str | int) -> dt.datetime:
    """A QuickBooks timestamp as an aware datetime.

    ISO 8601 with an offset (``2025-06-30T23:00:00.123-07:00``, ``...Z``), or epoch milliseconds
    (``1719142418269``, as the lower-case envelopes carry it, number or digits).
    """
    text = str(value).strip()
    if text.isdigit() and len(text) >= 10:
        try:
            return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
        except (OverflowError, OSError) as e:  # far beyond any date a server sends
            raise ValueError(f"{text[:30]!r} is not an epoch time in milliseconds") from e
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Watermark:
    """Where a sync got to: the server time from which the next CDC call asks for changes."""

    changed_since: str | None = None

    def encode(self) -> str:
        return json.dumps({"changed_since": self.changed_since}, sort_keys=True)

    @classmethod
    def decode(cls, text: str | None) -> Watermark:
        """The stored watermark; empty or unreadable means "start with a full load"."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            since = data.get("changed_since")
            if since is not None:
                parse_time(str(since))
            return cls(str(since) if since is not None else None)
        except (ValueError, AttributeError, TypeError):
            logger.warning("unreadable QuickBooks watermark %r: doing a full load", text[:80])
            return cls()

    def needs_full_load(self, server_now: dt.datetime) -> bool:
        """True without a watermark, or when it is older than CDC can reach back."""
        if self.changed_since is None:
            return True
        return server_now - parse_time(self.changed_since) >= CDC_LOOKBACK
