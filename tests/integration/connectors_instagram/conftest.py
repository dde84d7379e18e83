"""Fixtures: the demo company's Instagram data served by a local Instagram (web and Graph API)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.demo_data import Options, generate
from pipeline.demo_data.reference import MIRACLE_HANDLE
from pipeline.records import SourceConfig
from tests.integration.connectors_instagram.fake_instagram import Model, serve

OWN_ID = "5511238740"


def _caption(node: dict[str, Any]) -> str:
    edges = node.get("edge_media_to_caption", {}).get("edges", [])
    return str(edges[0]["node"]["text"]) if edges else ""


@pytest.fixture(scope="session")
def demo_model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    """The demo's profiles, their posts, and the comments on Miracle's own posts, as a server model."""
    out = tmp_path_factory.mktemp("demo-ig")
    generate(out, Options(customers=120, seed=11, end=dt.date(2025, 6, 30), malformed=0))
    profiles: dict[str, dict[str, Any]] = {}
    for line in (out / "instagram" / "profiles.jsonl").read_text(encoding="utf-8").splitlines():
        user = json.loads(line)["graphql"]["user"]
        posts = [
            {"id": n["id"], "shortcode": n["shortcode"], "taken_at": n["taken_at_timestamp"],
             "likes": n["edge_liked_by"]["count"], "comments": n["edge_media_to_comment"]["count"], "caption": _caption(n)}
            for n in (e["node"] for e in user["edge_owner_to_timeline_media"]["edges"])
        ]  # fmt: skip
        profiles[user["username"].lower()] = {
            "id": user["id"], "username": user["username"].lower(), "full_name": user["full_name"], "is_private": False,
            "is_business_account": True, "followers": user["edge_followed_by"]["count"], "posts": posts,
        }  # fmt: skip
    own_posts, comments = [], {}
    for line in (out / "instagram" / "comments.jsonl").read_text(encoding="utf-8").splitlines():
        media = json.loads(line)["data"]["shortcode_media"]
        edges = media["edge_media_to_parent_comment"]["edges"]
        own_posts.append({"id": media["id"], "shortcode": media["shortcode"], "taken_at": media["taken_at_timestamp"],
                          "likes": 3, "comments": len(edges), "caption": "New stock in"})  # fmt: skip
        comments[media["shortcode"]] = [
            {"id": e["node"]["id"], "text": e["node"]["text"], "created_at": e["node"]["created_at"],
             "owner": {"id": e["node"]["owner"]["id"], "username": e["node"]["owner"]["username"]},
             "likes": e["node"]["edge_liked_by"]["count"]}
            for e in edges
        ]  # fmt: skip
    profiles[MIRACLE_HANDLE.lower()] = {
        "id": OWN_ID, "username": MIRACLE_HANDLE.lower(), "full_name": "Miracle Corporation", "is_private": False,
        "is_business_account": True, "followers": 5400, "posts": own_posts,
    }  # fmt: skip
    return Model(profiles, MIRACLE_HANDLE.lower(), comments)


@pytest.fixture()
def instagram(demo_model: Model, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Model, str]]:
    """A fresh copy of the model on its own server; waits (pacing, backoff) run instantly."""
    model = Model(copy.deepcopy(demo_model.profiles), demo_model.own, copy.deepcopy(demo_model.comments))
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    with serve(model) as url:
        yield model, url


def make_source(kind: str, url: str, model: Model, state_dir: Path, **extra: Any) -> SourceConfig:
    """An instagram_web or instagram_graph source for every customer handle, comments on our posts."""
    handles = sorted(h for h in model.profiles if h != model.own)
    options: dict[str, Any] = {
        "usernames": handles, "comments_of": model.own, "state_dir": str(state_dir), "lookback_days": 1000,
        "lawful_basis": "legitimate_interests", "terms_of_service": "public business data; Instagram terms",
        **extra,
    }  # fmt: skip
    if kind == "instagram_web":
        options["endpoint"] = url
    else:
        options |= {"base_url": url, "ig_user_id": OWN_ID, "access_token_env": "C360_TEST_IG_TOKEN"}
    return SourceConfig(f"ig_{kind}", kind, None, options)
