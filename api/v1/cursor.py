"""Opaque cursors for keyset pagination: the last row's (sort value, customer key), signed so clients cannot forge them.

A page after a cursor holds the rows strictly after that position in the total order (sort value, then
key), so rows inserted or deleted elsewhere never make a page repeat or skip a row that was there.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any


class CursorError(ValueError):
    """A cursor that was not issued for this query (edited, truncated, or for another sort)."""


def _sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return {"d": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and "d" in value:
        text = str(value["d"])
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    return value


def encode(key: bytes, sort: str, value: Any, last_key: int) -> str:
    """The cursor after the row with sort ``value`` and ``last_key``, for the order ``sort``."""
    body = json.dumps([sort, _plain(value), last_key], separators=(",", ":")).encode("utf-8")
    token = base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")
    return f"{token}.{_sign(key, body)}"


def decode(key: bytes, sort: str, cursor: str) -> tuple[Any, int]:
    """The (sort value, customer key) a cursor points after; :class:`CursorError` when it is not valid."""
    token, _, signature = cursor.partition(".")
    try:
        body = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(body)
    except (ValueError, TypeError) as e:
        raise CursorError("cursor is not valid") from e
    if not hmac.compare_digest(_sign(key, body), signature):
        raise CursorError("cursor is not valid")
    if not isinstance(payload, list) or len(payload) != 3 or payload[0] != sort:
        raise CursorError("cursor belongs to another sort order")
    return _typed(payload[1]), int(payload[2])
