"""Stage Instagram records: a ``Profile`` -> stg_customer (plus one stg_interaction ``post`` per recent post);
a ``Comment`` -> stg_interaction ``comment`` whose customer is the commenting profile
(``customer_source`` = this source, ``customer_source_key`` = the owner's user id, the key of their Profile).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from pipeline.connectors.common import Fields, check_parsed, get, integer, required, row, text, timestamp
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)

TEXT_LIMIT: Final = 2200  # Instagram's own limit for captions and comments
_PROFILE_FIELDS: Final = {
    "source_key": "id", "display_name": "full_name", "instagram_handle": "username", "email": "business_email",
    "phone": "business_phone_number", "website": "external_url",
}  # fmt: skip


def _caption(node: Mapping[str, Any]) -> str | None:
    edges = get(node, "edge_media_to_caption.edges")
    if isinstance(edges, list) and edges and isinstance(edges[0], Mapping):
        return text(get(edges[0], "node.text"), "edge_media_to_caption", keep_newlines=True, limit=TEXT_LIMIT)
    return text(node.get("caption"), "caption", keep_newlines=True, limit=TEXT_LIMIT)


def _profile(record: RawRecord, locale: Locale) -> list[StagedRow]:
    source, p, f = record.source, record.payload, Fields(record)
    key = required(p.get("id"), "id")
    handle = required(p.get("username"), "username")
    values = {
        "source_key": key,
        "entity": "Profile",
        "display_name": text(p.get("full_name"), "full_name") or handle,
        "instagram_handle": handle.lower(),
        "email": f.standard("email", p.get("business_email"), "business_email"),
        "phone": f.standard(
            "phone", p.get("business_phone_number"), "business_phone_number", country_code=locale.country
        ),
        "website": f.standard("website", p.get("external_url"), "external_url"),
        "followers": integer(get(p, "edge_followed_by.count"), "edge_followed_by.count"),
    }
    rows = [row("stg_customer", values, _PROFILE_FIELDS)]
    edges = get(p, "edge_owner_to_timeline_media.edges")
    if edges is not None and not isinstance(edges, list):
        raise Rejected(
            "type", "edge_owner_to_timeline_media.edges: expected a list", "edge_owner_to_timeline_media"
        )
    for edge in edges or []:
        node = get(edge, "node")
        if not isinstance(node, Mapping):
            raise Rejected("type", "timeline edge without a node", "edge_owner_to_timeline_media")
        taken = timestamp(node.get("taken_at_timestamp"), "taken_at_timestamp")
        post = {
            "source_key": required(node.get("shortcode"), "shortcode"),
            "kind": "post",
            "occurred_at": taken,
            "customer_source": source,
            "customer_source_key": key,
            "channel": "instagram",
            "text": _caption(node),
            "likes": integer(
                get(node, "edge_liked_by.count") or get(node, "edge_media_preview_like.count"), "likes"
            ),
            "comments": integer(get(node, "edge_media_to_comment.count"), "edge_media_to_comment.count"),
        }
        rows.append(row("stg_interaction", post, {"occurred_at": "taken_at_timestamp"}))
    return f.rows(*rows)


def _comment(source: str, p: Mapping[str, Any]) -> list[StagedRow]:
    node = p.get("node")
    if not isinstance(node, Mapping):
        raise Rejected("required", "comment node is missing", "node")
    values = {
        "source_key": required(node.get("id"), "id"),
        "kind": "comment",
        "occurred_at": timestamp(node.get("created_at"), "created_at"),
        "customer_source": source,
        "customer_source_key": required(get(node, "owner.id"), "owner.id"),
        "channel": "instagram",
        "text": required(text(node.get("text"), "text", keep_newlines=True, limit=TEXT_LIMIT), "text"),
        "likes": integer(get(node, "edge_liked_by.count"), "edge_liked_by.count"),
    }
    return [row("stg_interaction", values, {"occurred_at": "created_at"})]


def stage(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one Instagram record (a business phone read for the source's country), or ``Rejected``."""
    check_parsed(record.payload)
    if record.entity == "Profile":
        return _profile(record, locale)
    if record.entity == "Comment":
        return _comment(record.source, record.payload)
    raise Rejected("entity", f"Instagram entity {record.entity!r} is not staged", None)
