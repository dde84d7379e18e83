"""Pure parsers: Instagram web JSON and Graph API JSON -> minimal Profile / Post / Comment payloads.

Only public handles, business names and aggregates are kept (data minimisation): no e-mail, phone,
biography or viewer fields. Structure errors raise :class:`ParseError` naming the field; values are
kept as the service sent them and typed by the stager, which rejects what does not fit.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pipeline.connectors.instagram.engagement import post_rate, profile_rate

logger = logging.getLogger(__name__)

REJECT: Final = "_reject"  # payload key of a record the reader could not shape
_PERMALINK: Final = re.compile(r"/(?:p|reel|tv)/([A-Za-z0-9_-]+)")


class ParseError(ValueError):
    """A response lacks the structure we expect; ``field`` is the JSON path that failed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Page:
    """One page of a connection: its nodes, and the cursor of the next page (``None`` on the last)."""

    nodes: list[Mapping[str, Any]]
    next_cursor: str | None


def obj(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParseError(field, f"expected an object, got {type(value).__name__}")
    return value


def sub(node: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``node[key]`` when it is an object, else an empty one."""
    value = node.get(key)
    return value if isinstance(value, Mapping) else {}


def count(node: Mapping[str, Any], *paths: str) -> Any:
    """The first ``edge_x.count`` style value present (``None`` when none is)."""
    for path in paths:
        value: Any = node
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            return value
    return None


def reject(rule: str, field: str, message: str) -> dict[str, Any]:
    """The payload of a record that is quarantined by the stager with this rule and field."""
    return {REJECT: {"rule": rule, "field": field, "message": message[:400]}}


def web_connection(value: Any, field: str) -> Page:
    """``{edges: [{node}], page_info: {has_next_page, end_cursor}}`` -> :class:`Page`."""
    conn = obj(value, field)
    edges = conn.get("edges")
    if not isinstance(edges, list):
        raise ParseError(f"{field}.edges", "expected a list")
    nodes = [
        obj(obj(e, f"{field}.edges[{i}]").get("node"), f"{field}.edges[{i}].node")
        for i, e in enumerate(edges)
    ]
    info = sub(conn, "page_info")
    cursor = info.get("end_cursor") if info.get("has_next_page") is True else None
    return Page(nodes, str(cursor) if isinstance(cursor, str | int) and str(cursor) else None)


def web_user(doc: Any) -> Mapping[str, Any] | None:
    """The user of a profile answer; ``None`` when Instagram has no such user.

    ``web_profile_info`` answers ``{data: {user}}``; the older profile page JSON (``?__a=1``) answered
    ``{graphql: {user}}`` or ``{user, logging_page_id}``, and saved recordings carry all three.
    """
    root = obj(doc, "$")
    for path in ("data", "graphql"):
        if path in root:
            user = obj(root.get(path), path).get("user")
            return None if user is None else obj(user, f"{path}.user")
    user = root.get("user")
    if user is None and "logging_page_id" not in root:
        raise ParseError("data", "expected an object, got NoneType")
    return None if user is None else obj(user, "user")


def web_timeline(user: Mapping[str, Any]) -> Page:
    """A profile's first posts page: ``edge_owner_to_timeline_media``, or the older ``media.nodes``."""
    if "edge_owner_to_timeline_media" not in user and isinstance(user.get("media"), Mapping):
        media = sub(user, "media")
        nodes = media.get("nodes")
        if not isinstance(nodes, list):
            raise ParseError("media.nodes", "expected a list")
        info = sub(media, "page_info")
        cursor = info.get("end_cursor") if info.get("has_next_page") is True else None
        return Page([obj(n, f"media.nodes[{i}]") for i, n in enumerate(nodes)], cursor or None)
    return web_connection(user.get("edge_owner_to_timeline_media"), "edge_owner_to_timeline_media")


def web_user_id(doc: Any, user: Mapping[str, Any], nodes: Sequence[Mapping[str, Any]]) -> Any:
    """A profile's id from the fields a real answer carries.

    ``id`` (or ``pk``/``pk_id``); else the ``profilePage_<id>`` of ``logging_page_id``; else the one
    owner id every post of the page names. ``None`` when none of them is there.
    """
    for key in ("id", "pk", "pk_id"):
        value = user.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    page_id = obj(doc, "$").get("logging_page_id")
    if isinstance(page_id, str) and page_id.startswith("profilePage_") and page_id[12:].isdigit():
        return page_id[12:]
    owners = {str(sub(n, "owner").get("id")) for n in nodes if sub(n, "owner").get("id") is not None}
    return owners.pop() if len(owners) == 1 else None


def web_timeline_page(doc: Any) -> Page:
    """The posts page of a profile-timeline GraphQL answer (``data.user.edge_owner_to_timeline_media``)."""
    user = obj(obj(obj(doc, "$").get("data"), "data").get("user"), "data.user")
    return web_connection(user.get("edge_owner_to_timeline_media"), "edge_owner_to_timeline_media")


def web_comment_page(doc: Any) -> Page:
    """A comments page (``data.shortcode_media.edge_media_to_parent_comment``)."""
    media = obj(obj(obj(doc, "$").get("data"), "data").get("shortcode_media"), "data.shortcode_media")
    return web_connection(media.get("edge_media_to_parent_comment"), "edge_media_to_parent_comment")


def web_caption(node: Mapping[str, Any]) -> Any:
    edges = count(node, "edge_media_to_caption.edges")
    if isinstance(edges, list) and edges and isinstance(edges[0], Mapping):
        return count(edges[0], "node.text")
    return node.get("caption")


def profile_payload(
    user: Mapping[str, Any], followers: Any, media_count: Any, posts: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A Profile payload with the engagement rate over ``posts`` (already-built Post payloads)."""
    return {
        "id": user.get("id"),
        "username": user.get("username"),
        "full_name": user.get("full_name", user.get("name")),
        "is_business_account": user.get("is_business_account", True),
        "followers": followers,
        "media_count": media_count,
        "posts_considered": len(posts),
        "engagement_rate": profile_rate(posts, followers),
    }


def web_post(node: Mapping[str, Any], owner: Mapping[str, Any], followers: Any) -> dict[str, Any]:
    """A Post payload from a web timeline node; the node's own ``owner`` wins over the profile's."""
    likes = count(node, "edge_liked_by.count", "edge_media_preview_like.count", "likes.count")
    comments = count(
        node, "edge_media_to_comment.count", "edge_media_to_parent_comment.count", "comments.count"
    )
    own = sub(node, "owner")
    return {
        "id": node.get("id"),
        "shortcode": node.get("shortcode", node.get("code")),
        "owner_id": own.get("id") or owner.get("id"),
        "owner_username": own.get("username") or owner.get("username"),
        "taken_at": node.get("taken_at_timestamp", node.get("date")),
        "likes": likes,
        "comments": comments,
        "caption": web_caption(node),
        "engagement_rate": post_rate(likes, comments, followers),
    }


def web_comment(node: Mapping[str, Any], shortcode: str) -> dict[str, Any]:
    """A Comment payload from a web comment node: the commenter's public id and handle only."""
    owner = sub(node, "owner")
    return {
        "id": node.get("id"),
        "media_shortcode": shortcode,
        "owner": {"id": owner.get("id"), "username": owner.get("username")},
        "text": node.get("text"),
        "created_at": node.get("created_at"),
        "likes": count(node, "edge_liked_by.count"),
    }


def graph_time(value: Any) -> Any:
    """Graph API time (``2024-05-01T12:00:00+0000``) -> epoch seconds; anything else unchanged."""
    if isinstance(value, str):
        try:
            return int(dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").timestamp())
        except ValueError:
            return value
    return value


def graph_page(value: Any, field: str) -> Page:
    """``{data: [...], paging: {cursors: {after}}}`` -> :class:`Page`.

    Graph pages are followed by ``cursors.after`` alone: ``business_discovery`` media pages carry no
    ``next`` link at all. A page without data, or without an ``after`` cursor, is the last.
    """
    conn = obj(value, field)
    data = conn.get("data")
    if not isinstance(data, list):
        raise ParseError(f"{field}.data", "expected a list")
    nodes = [obj(n, f"{field}.data[{i}]") for i, n in enumerate(data)]
    after = sub(sub(conn, "paging"), "cursors").get("after")
    more = bool(nodes) and isinstance(after, str) and bool(after)
    return Page(nodes, str(after) if more else None)


def shortcode_of(node: Mapping[str, Any]) -> Any:
    """A Graph media's shortcode from its permalink, else its id (the key posts share with the web path)."""
    link = node.get("permalink")
    match = _PERMALINK.search(link) if isinstance(link, str) else None
    return match.group(1) if match else node.get("id")


def graph_post(node: Mapping[str, Any], owner: Mapping[str, Any], followers: Any) -> dict[str, Any]:
    likes, comments = node.get("like_count"), node.get("comments_count", node.get("comment_count"))
    return {
        "id": node.get("id"),
        "shortcode": shortcode_of(node),
        "owner_id": owner.get("id"),
        "owner_username": owner.get("username"),
        "taken_at": graph_time(node.get("timestamp")),
        "likes": likes,
        "comments": comments,
        "caption": node.get("caption"),
        "engagement_rate": post_rate(likes, comments, followers),
    }


def graph_comment(node: Mapping[str, Any], shortcode: str) -> dict[str, Any]:
    author = sub(node, "from")
    return {
        "id": node.get("id"),
        "media_shortcode": shortcode,
        "owner": {"id": author.get("id"), "username": author.get("username", node.get("username"))},
        "text": node.get("text"),
        "created_at": graph_time(node.get("timestamp")),
        "likes": node.get("like_count"),
    }
