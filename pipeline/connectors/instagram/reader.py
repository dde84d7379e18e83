"""Read an Instagram export: ``profiles.jsonl`` (``{"graphql": {"user": ...}}`` per line) and ``comments.jsonl``
(``{"data": {"shortcode_media": ...}}`` comment pages of our own posts).

A ``Profile`` record's payload is the ``user`` object (with its recent posts), keyed by the user id; a
``Comment`` record's payload is ``{"media_shortcode": ..., "node": <comment node>}``, keyed by the comment id.
Lines that are not JSON, or lack the expected shape, are yielded as ``nokey:<file>#line-<n>`` records.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pipeline.connectors.common import unparsed
from pipeline.connectors.files import read_json_lines, source_path
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)


def _key(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def read(config: SourceConfig, position: Position | None = None) -> Iterator[RawRecord]:
    """Every profile, post and comment of the export (a snapshot: ``position`` is not used)."""
    profiles = source_path(config, "profiles", "profiles.jsonl")
    comments = source_path(config, "comments", "comments.jsonl")
    if profiles.exists():
        for n, raw, doc, error in read_json_lines(profiles, config.options.get("encoding")):
            graphql = doc.get("graphql") if isinstance(doc, Mapping) else None
            user = graphql.get("user") if isinstance(graphql, Mapping) else None
            if isinstance(user, Mapping):
                key = _key(user.get("id")) or f"nokey:{profiles.name}#line-{n}"
                yield RawRecord(config.name, "Profile", key, dict(user))
            else:
                reason = error or f"{profiles.name} line {n}: no graphql.user object"
                yield RawRecord(
                    config.name, "Profile", f"nokey:{profiles.name}#line-{n}", unparsed(raw, reason)
                )
    if comments.exists():
        for n, raw, doc, error in read_json_lines(comments, config.options.get("encoding")):
            yield from _comments(config.name, comments.name, n, raw, doc, error)


def _comments(source: str, file: str, n: int, raw: str, doc: Any, error: str | None) -> Iterator[RawRecord]:
    try:
        media = doc["data"]["shortcode_media"]
        edges = media["edge_media_to_parent_comment"]["edges"]
        if not isinstance(edges, list):
            raise TypeError("edges is not a list")
    except (KeyError, TypeError) as e:
        yield RawRecord(
            source,
            "Comment",
            f"nokey:{file}#line-{n}",
            unparsed(raw, error or f"{file} line {n}: not a comment page: {e}"),
        )
        return
    for k, edge in enumerate(edges):
        node = edge.get("node") if isinstance(edge, Mapping) else None
        key = _key(node.get("id")) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            yield RawRecord(
                source, "Comment", f"nokey:{file}#line-{n}.{k}", unparsed(json.dumps(edge), "no node")
            )
            continue
        payload = {"media_shortcode": media.get("shortcode"), "node": dict(node)}
        yield RawRecord(source, "Comment", key or f"nokey:{file}#line-{n}.{k}", payload)
