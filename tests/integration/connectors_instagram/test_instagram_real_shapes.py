"""Instagram readers against recorded bodies and the recorded Graph dialect (tests/data/instagram/SOURCES.md).

Recorded bodies are served unchanged from a local server; the staged rows are checked exactly. A Graph
account with more than 1,000 posts is read whole, and a second sync, with a pinned old post on top of
the feed, reads only the recent posts and deletes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.connectors.changes import is_tombstone
from pipeline.records import RawRecord, Rejected, SourceConfig, StagedRow
from tests.integration.connectors.servers import LocalServer, Reply, Request
from tests.integration.connectors_instagram.conftest import OWN_ID
from tests.integration.connectors_instagram.fake_instagram import Model, serve

DATA = Path(__file__).resolve().parents[2] / "data" / "instagram"
JSON = {"Content-Type": "application/json; charset=utf-8"}
TERMS = {"lawful_basis": "legitimate_interests", "terms_of_service": "public business data; Instagram terms"}


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_TEST_IG_TOKEN", "token-1")
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def graph_source(url: str, state: Path, handles: list[str], **extra: Any) -> SourceConfig:
    options = {**TERMS, "usernames": handles, "state_dir": str(state), "base_url": url, "ig_user_id": OWN_ID,
               "access_token_env": "C360_TEST_IG_TOKEN", **extra}  # fmt: skip
    return SourceConfig("ig_graph", "instagram_graph", None, options)


def sync(source: SourceConfig) -> list[RawRecord]:
    return list(CONNECTORS[source.type].read(source))


def stage(record: RawRecord) -> list[StagedRow] | str:
    try:
        return CONNECTORS["instagram_graph"].stage(record)
    except Rejected as e:
        return f"rejected {e.rule}: {e}"


@pytest.fixture
def recorded_graph() -> Iterator[LocalServer]:
    """The recorded business_discovery page for the first request; past it, the empty page the API sends."""
    page = (DATA / "graph-business-discovery-page-1.json").read_text("utf-8")

    def app(request: Request) -> Reply:
        fields = parse_qs(urlsplit(request.path).query).get("fields", [""])[0]
        return Reply(200, json.dumps({"business_discovery": {"id": "17841402569541629", "media": {"data": []}}})
                     if "media.after(" in fields else page, JSON)  # fmt: skip

    server = LocalServer(app).start()
    yield server
    server.stop()


def test_a_recorded_graph_page_is_followed_by_its_cursor_and_staged_exactly(
    recorded_graph: LocalServer, tmp_path: Path
) -> None:
    source = graph_source(f"{recorded_graph.url}", tmp_path, ["bhuvan.bam22"])
    records = sync(source)
    paths = [r.path for r in recorded_graph.log]
    assert len(paths) == 2 and "media.after%28QVFIUmJtaUk4cXB3OTZA2OFVMOTFhekRGME1hX1lmekdwRjJNV0xFN2FoMEo0dEhyY0JLQlF4VldkTUY5OFNraXZAvRXdXSG1JS1pWcG5yZA0s5RUVtcTlWcjBB%29" in paths[1]  # fmt: skip
    assert [(r.entity, r.source_key) for r in records[:2]] == [("Profile", "17841402569541629"), ("Post", "17935846202119954")]  # fmt: skip
    assert len(records) == 26  # the profile and the 25 recorded media
    assert stage(records[0]) == [
        StagedRow("stg_customer", {"source_key": "17841402569541629", "entity": "Profile", "display_name": "bhuvan.bam22",
                                   "company_name": None, "instagram_handle": "bhuvan.bam22", "followers": 14759582,
                                   "is_active": True})
    ]  # fmt: skip
    # this recording asked for no timestamps: every post is quarantined, none is silently dropped
    assert {stage(r) for r in records[1:]} == {"rejected required: taken_at is required"}  # type: ignore[arg-type]
    second = sync(source)
    assert not [r for r in second if is_tombstone(r.payload)]  # 25 of 1455 read: nothing inferred as deleted


HOUR = 3600
NEWEST = int(dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC).timestamp())


def _post(n: int, taken_at: int) -> dict[str, Any]:
    return {"id": f"1790000000{n:07d}", "shortcode": f"Cx{n:07d}", "taken_at": taken_at, "likes": n % 97,
            "comments": n % 7, "caption": f"post {n}"}  # fmt: skip


@pytest.fixture
def big_account() -> Iterator[tuple[Model, str]]:
    """An account with 1,455 posts six hours apart, its oldest post pinned at the top of the feed."""
    posts = [_post(n, NEWEST - n * 6 * HOUR) for n in range(1455)]
    profile = {"id": "17841402569541629", "username": "bigbusiness", "full_name": "Big Business", "is_private": False,
               "is_business_account": True, "followers": 14759582, "posts": posts, "pinned": [posts[-1]["shortcode"]]}  # fmt: skip
    own = {"id": OWN_ID, "username": "miraclecorp", "full_name": "Miracle", "is_private": False,
           "is_business_account": True, "followers": 10, "posts": []}  # fmt: skip
    model = Model({"bigbusiness": profile, "miraclecorp": own}, "miraclecorp", {})
    with serve(model) as url:
        yield model, url


def test_a_graph_account_of_1455_posts_is_read_whole_and_a_second_sync_deletes_nothing(
    big_account: tuple[Model, str], tmp_path: Path
) -> None:
    model, url = big_account
    source = graph_source(url, tmp_path, ["bigbusiness"], max_posts=2000, lookback_days=14)
    first = sync(source)
    assert len([r for r in first if r.entity == "Post"]) == 1455
    discovery = [p for p, _ in model.log if "business_discovery" in p]
    assert len(discovery) == 59 + 1  # 58 full pages of 25, one of 5, then the empty page past the end
    assert not any("next" in p for p, _ in model.log)

    model.log.clear()
    new = [_post(2000 + n, NEWEST + (n + 1) * HOUR) for n in range(2)]
    model.profiles["bigbusiness"]["posts"].extend(new)
    model.profiles["bigbusiness"]["posts"][3]["likes"] += 5  # a recent post's count changed
    second = sync(source)
    assert not [r for r in second if is_tombstone(r.payload)]
    assert sorted((r.entity, r.source_key) for r in second) == [
        ("Post", "Cx0000003"), ("Post", "Cx0002000"), ("Post", "Cx0002001"), ("Profile", "17841402569541629"),
    ]  # fmt: skip
    pages = [p for p, _ in model.log if "business_discovery" in p]
    assert len(pages) == 3  # 14 days of posts (57) and a pinned post from a year ago: three pages, not 60
    post = next(r for r in second if r.source_key == "Cx0002001")
    assert stage(post) == [
        StagedRow("stg_interaction", {"source_key": "Cx0002001", "kind": "post", "occurred_at": dt.datetime(2025, 6, 30, 14),
                                      "customer_source": "ig_graph", "customer_source_key": "17841402569541629",
                                      "channel": "instagram", "text": "post 2001", "likes": 2001 % 97, "comments": 2001 % 7})
    ]  # fmt: skip


@pytest.fixture
def recorded_web() -> Iterator[LocalServer]:
    body = (DATA / "web-profile-info.json").read_text("utf-8")

    def app(request: Request) -> Reply:
        if urlsplit(request.path).path.rstrip("/") == "/api/v1/users/web_profile_info":
            return Reply(200, body, JSON)
        return Reply(404, json.dumps({"message": "not found", "status": "fail"}), JSON)

    server = LocalServer(app).start()
    yield server
    server.stop()


def test_a_recorded_web_profile_without_an_id_stages_under_its_posts_owner_id(
    recorded_web: LocalServer, tmp_path: Path
) -> None:
    options = {
        **TERMS,
        "usernames": ["cairnsplumbingco"],
        "state_dir": str(tmp_path),
        "endpoint": recorded_web.url,
    }
    records = sync(SourceConfig("ig_web", "instagram_web", None, options))
    rows = [row for r in records for row in CONNECTORS["instagram_web"].stage(r)]
    post = {
        "kind": "post",
        "customer_source": "ig_web",
        "customer_source_key": "48317214901",
        "channel": "instagram",
    }
    assert rows == [
        StagedRow("stg_customer", {"source_key": "48317214901", "entity": "Profile", "display_name": "Cairns Plumbing Co",
                                   "company_name": "Cairns Plumbing Co", "instagram_handle": "cairnsplumbingco",
                                   "followers": 812, "is_active": True}),
        StagedRow("stg_interaction", {**post, "source_key": "CsL2tY0vKfW", "occurred_at": dt.datetime(2023, 5, 16),
                                      "text": "Pinned: we are open 7 days, call us for blocked drains.", "likes": 57, "comments": 4}),
        StagedRow("stg_interaction", {**post, "source_key": "C9aBq3xS0mU", "occurred_at": dt.datetime(2024, 7, 15),
                                      "text": "New hot water system installed in Edge Hill today.", "likes": 31, "comments": 2}),
        StagedRow("stg_interaction", {**post, "source_key": "C8zXw1pS7kQ", "occurred_at": dt.datetime(2024, 6, 27),
                                      "text": None, "likes": 12, "comments": 0}),
    ]  # fmt: skip
