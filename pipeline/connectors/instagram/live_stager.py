"""Stage live Instagram records (``instagram_web`` / ``instagram_graph``).

``Profile`` -> stg_customer (public handle, business name, followers); ``Post`` -> stg_interaction
``post`` of that profile; ``Comment`` -> stg_interaction ``comment`` of the commenting profile. A
deleted profile, post or comment comes as a tombstone: the stage step removes what it staged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any, Final

from pipeline.connectors.common import get, integer, required, row, text, timestamp
from pipeline.connectors.instagram.parse import REJECT
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)

TEXT_LIMIT: Final = 2200  # Instagram's own limit for captions and comments
HANDLE_LIMIT: Final = 30  # Instagram's own limit for usernames


def _handle(value: Any, field: str) -> str:
    handle = required(value, field).lstrip("@").lower()
    if len(handle) > HANDLE_LIMIT or not all(c.isalnum() or c in "._" for c in handle):
        raise Rejected("format", f"{field}: {handle[:40]!r} is not an Instagram handle", field)
    return handle


def _when(value: Any, field: str) -> dt.datetime:
    when = timestamp(value, field)
    if when is None:
        raise Rejected("required", f"{field} is required", field)
    return when


def _profile(p: Mapping[str, Any], key: str) -> list[StagedRow]:
    handle = _handle(p.get("username"), "username")
    values = {
        "source_key": key,
        "entity": "Profile",
        "display_name": text(p.get("full_name"), "full_name") or handle,
        "company_name": text(p.get("full_name"), "full_name"),
        "instagram_handle": handle,
        "followers": integer(p.get("followers"), "followers"),
        "is_active": True,
    }
    return [row("stg_customer", values, {"display_name": "full_name", "instagram_handle": "username"})]


def _post(source: str, p: Mapping[str, Any], key: str) -> list[StagedRow]:
    values = {
        "source_key": key,
        "kind": "post",
        "occurred_at": _when(p.get("taken_at"), "taken_at"),
        "customer_source": source,
        "customer_source_key": required(p.get("owner_id"), "owner_id"),
        "channel": "instagram",
        "text": text(p.get("caption"), "caption", keep_newlines=True, limit=TEXT_LIMIT),
        "likes": integer(p.get("likes"), "likes"),
        "comments": integer(p.get("comments"), "comments"),
    }
    return [row("stg_interaction", values, {"occurred_at": "taken_at", "customer_source_key": "owner_id"})]


def _comment(source: str, p: Mapping[str, Any], key: str) -> list[StagedRow]:
    body = text(p.get("text"), "text", keep_newlines=True, limit=TEXT_LIMIT)
    values = {
        "source_key": key,
        "kind": "comment",
        "occurred_at": _when(p.get("created_at"), "created_at"),
        "customer_source": source,
        "customer_source_key": required(get(p, "owner.id"), "owner.id"),
        "channel": "instagram",
        "text": required(body, "text"),
        "likes": integer(p.get("likes"), "likes"),
    }
    return [row("stg_interaction", values, {"occurred_at": "created_at", "customer_source_key": "owner.id"})]


def stage_instagram(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one live Instagram record, or ``Rejected`` with the rule and field (no field here needs ``locale``)."""
    p = record.payload
    marker = p.get(REJECT)
    if isinstance(marker, Mapping):
        raise Rejected(str(marker.get("rule")), str(marker.get("message")), str(marker.get("field")))
    if record.entity == "Profile":
        return _profile(p, record.source_key)
    if record.entity == "Post":
        return _post(record.source, p, record.source_key)
    if record.entity == "Comment":
        return _comment(record.source, p, record.source_key)
    raise Rejected("entity", f"Instagram entity {record.entity!r} is not staged", None)
