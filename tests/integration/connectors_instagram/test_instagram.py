"""instagram_web (instaloader) and instagram_graph against a local Instagram: counts, increments, faults."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from models.sentiment import get_scorer
from pipeline.connectors import CONNECTORS
from pipeline.connectors.changes import is_tombstone
from pipeline.errors import SourceError
from pipeline.records import RawRecord, Rejected, SourceConfig
from tests.integration.connectors_instagram.conftest import make_source
from tests.integration.connectors_instagram.fake_instagram import Model

KINDS = ["instagram_web", "instagram_graph"]


@pytest.fixture(autouse=True)
def graph_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_TEST_IG_TOKEN", "token-1")


def sync(source: SourceConfig) -> list[RawRecord]:
    return list(CONNECTORS[source.type].read(source))


def counts(records: list[RawRecord]) -> dict[str, int]:
    return dict(collections.Counter(r.entity for r in records))


def expected(model: Model) -> dict[str, int]:
    customers = [u for h, u in model.profiles.items() if h != model.own]
    return {
        "Profile": len(customers),
        "Post": sum(len(u["posts"]) for u in customers),
        "Comment": sum(len(c) for c in model.comments.values()),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_first_sync_extracts_the_demo_company_exactly(
    kind: str, instagram: tuple[Model, str], tmp_path: Path
) -> None:
    model, url = instagram
    records = sync(make_source(kind, url, model, tmp_path))
    assert counts(records) == expected(model) == {"Profile": 19, "Post": 113, "Comment": 23}
    assert len({(r.entity, r.source_key) for r in records}) == len(records)
    staged = [row for r in records for row in CONNECTORS[kind].stage(r)]
    assert len(staged) == len(records)
    profile = next(r.payload for r in records if r.entity == "Profile")
    assert set(profile) == {"id", "username", "full_name", "is_business_account", "followers", "media_count",
                            "posts_considered", "engagement_rate"}  # fmt: skip
    comments = [r.payload for r in records if r.entity == "Comment"]
    assert all(isinstance(c["sentiment"], float) for c in comments)
    scorer = get_scorer()
    assert all(c["sentiment"] == round(scorer(c["text"]), 4) for c in comments)
    assert max(c["sentiment"] for c in comments) > 0.3  # the demo's customers mostly praise


@pytest.mark.parametrize("kind", KINDS)
def test_change_three_and_delete_one_moves_exactly_four(
    kind: str, instagram: tuple[Model, str], tmp_path: Path
) -> None:
    model, url = instagram
    source = make_source(kind, url, model, tmp_path)
    sync(source)
    assert sync(source) == []
    with_posts = [h for h, u in sorted(model.profiles.items()) if h != model.own and u["posts"]]
    edited = []
    for handle in with_posts[:2]:
        post = model.posts_of(handle)[0]
        post["caption"] = "Edited caption"
        edited.append(post["shortcode"])
    pages = [c for c in model.comments.values() if c]
    page = pages[0]
    page[0]["text"] = "Actually, it arrived today. Great service!"
    gone = pages[1].pop(0)
    records = sync(source)
    assert sorted((r.entity, r.source_key, is_tombstone(r.payload)) for r in records) == sorted(
        [("Post", edited[0], False), ("Post", edited[1], False), ("Comment", page[0]["id"], False),
         ("Comment", gone["id"], True)]
    )  # fmt: skip
    deleted = next(r for r in records if is_tombstone(r.payload))
    assert gone["text"] not in str(deleted.payload), "a tombstone keeps nothing of what was said"


@pytest.mark.parametrize("kind", KINDS)
def test_a_profile_gone_private_is_honoured_as_deleted(
    kind: str, instagram: tuple[Model, str], tmp_path: Path
) -> None:
    model, url = instagram
    source = make_source(kind, url, model, tmp_path)
    sync(source)
    handle = next(h for h, u in sorted(model.profiles.items()) if h != model.own and len(u["posts"]) >= 2)
    model.profiles[handle]["is_private"] = True
    records = sync(source)
    assert all(is_tombstone(r.payload) for r in records)
    assert counts(records) == {"Profile": 1, "Post": len(model.profiles[handle]["posts"])}
    profile = next(r for r in records if r.entity == "Profile")
    assert profile.source_key == model.profiles[handle]["id"]
    assert set(profile.payload) <= {"_deleted", "deleted_at", "last_hash", "was"}, "no profile content kept"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("faults", [["429", "429", "503"], ["drop"], ["503", "drop", "429"]])
def test_throttling_and_dropped_connections_end_in_a_complete_sync(
    kind: str, faults: list[str], instagram: tuple[Model, str], tmp_path: Path
) -> None:
    model, url = instagram
    model.faults = ["ok", "ok", *faults]
    records = sync(make_source(kind, url, model, tmp_path))
    assert counts(records) == expected(model)
    assert len({(r.entity, r.source_key) for r in records}) == len(records)
    assert any(status in (429, 503, -1) for _, status in model.log)


def test_graph_expired_token_is_exchanged_and_the_sync_completes(
    instagram: tuple[Model, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, url = instagram
    monkeypatch.setenv("META_APP_ID", "app-1")
    monkeypatch.setenv("META_APP_SECRET", "app-secret")
    monkeypatch.setenv("C360_TEST_IG_TOKEN", "expired-token")
    monkeypatch.setenv("C360_INSTAGRAM_TOKEN_KEY", Fernet.generate_key().decode())
    secret = tmp_path / "secrets" / "ig.ig-token"
    source = make_source("instagram_graph", url, model, tmp_path / "state", token_path=str(secret))
    records = sync(source)
    assert counts(records) == expected(model)
    exchanges = [path for path, _ in model.log if "access_token?" in path and "oauth" in path]
    assert len(exchanges) == 1
    fresh = sorted(model.tokens - {"token-1"})
    assert fresh and fresh[0].encode() not in secret.read_bytes(), "the new token is stored, encrypted"
    assert secret.stat().st_mode & 0o777 == 0o600
    model.log.clear()
    sync(source)  # the next sync starts with the stored token: no failed call, no second exchange
    assert all(status == 200 for _, status in model.log)
    assert not any("oauth" in path for path, _ in model.log)


def test_graph_expired_token_without_app_credentials_is_a_clear_error(
    instagram: tuple[Model, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, url = instagram
    monkeypatch.setenv("C360_TEST_IG_TOKEN", "expired-token")
    with pytest.raises(SourceError, match="access token expired or revoked"):
        sync(make_source("instagram_graph", url, model, tmp_path))
    assert not list(tmp_path.iterdir())  # no state saved: the next sync starts over


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_records_are_quarantined_with_rule_and_field(
    kind: str, instagram: tuple[Model, str], tmp_path: Path
) -> None:
    model, url = instagram
    handles = [h for h, u in sorted(model.profiles.items()) if h != model.own and u["posts"]]
    model.profiles[handles[0]]["posts"][0]["caption"] = "x" * 2300
    model.profiles[handles[1]]["username"] = handles[1]  # unchanged handle, but a bad like count:
    model.profiles[handles[1]]["posts"][0]["likes"] = "lots"
    page = next(iter(model.comments.values()))
    page[0]["text"] = ""
    outcomes = []
    for record in sync(make_source(kind, url, model, tmp_path)):
        try:
            CONNECTORS[kind].stage(record)
        except Rejected as r:
            outcomes.append((record.entity, r.rule, r.field))
    assert sorted(outcomes) == sorted(
        [("Post", "too_long", "caption"), ("Post", "type", "likes"), ("Comment", "required", "text")]
    )
