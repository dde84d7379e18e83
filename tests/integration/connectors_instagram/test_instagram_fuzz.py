"""Hypothesis fuzz of the Instagram parsers and stager: any JSON either parses, or fails naming the field;
every payload either stages or is rejected with a rule."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.connectors import CONNECTORS
from pipeline.connectors.instagram.parse import (
    ParseError,
    graph_comment,
    graph_page,
    graph_post,
    web_comment,
    web_comment_page,
    web_post,
    web_timeline_page,
    web_user,
)
from pipeline.records import RawRecord, Rejected

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=5),
    max_leaves=20,
)
node_keys = st.sampled_from(
    [
        "id",
        "shortcode",
        "taken_at_timestamp",
        "edge_liked_by",
        "edge_media_to_comment",
        "caption",
        "text",
        "created_at",
        "owner",
        "timestamp",
        "like_count",
        "comments_count",
        "permalink",
        "from",
        "username",
    ]
)
nodes = st.dictionaries(
    node_keys,
    st.one_of(
        json_values,
        st.fixed_dictionaries({"count": scalars}),
        st.fixed_dictionaries({"id": scalars, "username": scalars}),
    ),
    max_size=10,
)
STAGE = CONNECTORS["instagram_web"].stage


def _stage_or_reject(entity: str, payload: dict[str, Any]) -> None:
    try:
        rows = STAGE(RawRecord("ig", entity, "k1", payload))
        assert rows
    except Rejected as r:
        assert r.rule and r.message


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_document_parses_or_names_the_field(doc: Any) -> None:
    for parser in (web_user, web_timeline_page, web_comment_page, lambda d: graph_page(d, "media")):
        try:
            parser(doc)
        except ParseError as e:
            assert e.field


@settings(max_examples=300, deadline=None)
@given(nodes, st.one_of(scalars, st.integers(min_value=0, max_value=10**6)))
def test_any_node_becomes_a_payload_that_stages_or_is_rejected(node: dict[str, Any], followers: Any) -> None:
    owner = {"id": "7000", "username": "shop"}
    for payload in (web_post(node, owner, followers), graph_post(node, owner, followers)):
        rate = payload["engagement_rate"]
        assert rate is None or rate >= 0
        _stage_or_reject("Post", payload)
    _stage_or_reject("Comment", web_comment(node, "abc"))
    _stage_or_reject("Comment", graph_comment(node, "abc"))
    _stage_or_reject("Profile", {**node, "username": node.get("username"), "followers": followers})
