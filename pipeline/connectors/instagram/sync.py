"""The incremental Instagram sync both paths share: profiles, their recent posts, comments on our posts.

A :class:`Fetcher` (instaloader web, or the Graph API) answers three questions; this module decides
what to ask and what changed. Posts are read newest first (pinned posts aside) down to the profile's
watermark (the newest post time seen) minus ``lookback_days``, so recent posts' counts and captions stay
current; in that window a post or comment that is gone, and any profile that is gone, private or no
longer a business account, comes back as a tombstone. Older posts are not re-read, and nothing is
inferred as deleted from a partial read: only posts down to the last one actually read are in scope.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from pipeline.connectors.changes import Diff, SyncState, diff, load_state
from pipeline.connectors.instagram.engagement import sentiment
from pipeline.connectors.instagram.parse import ParseError, profile_payload, reject, sub
from pipeline.connectors.position import FilePosition
from pipeline.errors import ConfigError
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)

MARKERS: Final = ("nokey:",)
DAY: Final = 86_400


@dataclass(frozen=True)
class InstagramOptions:
    """Options both Instagram source types share."""

    usernames: tuple[str, ...]
    comments_of: str | None
    lookback_days: int
    max_posts: int
    engagement_posts: int
    state_dir: Path
    full_sync: bool
    endpoint: str | None
    retries: int

    @classmethod
    def from_config(cls, config: SourceConfig) -> InstagramOptions:
        o = config.options
        names = o.get("usernames", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise ConfigError(f"source {config.name!r}: usernames must be a list of public handles")
        if not names and not o.get("comments_of"):
            raise ConfigError(f"source {config.name!r}: set usernames and/or comments_of")
        return cls(
            usernames=tuple(dict.fromkeys(n.strip().lstrip("@").lower() for n in names)),
            comments_of=str(o["comments_of"]).lstrip("@").lower() if o.get("comments_of") else None,
            lookback_days=int(o.get("lookback_days", 14)),
            max_posts=int(o.get("max_posts", 240)),
            engagement_posts=int(o.get("engagement_posts", 12)),
            state_dir=Path(str(o.get("state_dir", "var/connector_state"))),
            full_sync=bool(o.get("full_sync", False)),
            endpoint=str(o["endpoint"]) if o.get("endpoint") else None,
            retries=int(o.get("retries", 5)),
        )


@dataclass
class FetchedProfile:
    """A profile's public face: who (id, handle, name), its counts, and its first page of posts."""

    user: Mapping[str, Any]
    followers: Any
    media_count: Any
    posts: list[dict[str, Any]]
    next_cursor: str | None
    public_business: bool = True


class Fetcher(Protocol):
    def profile(self, username: str) -> FetchedProfile | None:
        """The profile, or ``None`` when it no longer exists."""
        ...

    def more_posts(self, profile: FetchedProfile, cursor: str) -> tuple[list[dict[str, Any]], str | None]: ...

    def comments(self, post: Mapping[str, Any]) -> Iterator[dict[str, Any]]: ...


@dataclass
class _Run:
    source: str
    records: list[tuple[RawRecord, Mapping[str, Any]]] = field(default_factory=list)
    seen_users: set[str] = field(default_factory=set)
    gone_users: set[str] = field(default_factory=set)
    scope_from: dict[str, float] = field(default_factory=dict)
    comment_posts: set[str] = field(default_factory=set)
    watermarks: dict[str, int] = field(default_factory=dict)
    known_comment_posts: set[str] = field(default_factory=set)

    def add(
        self, entity: str, key: Any, payload: dict[str, Any], facts: Mapping[str, Any], fallback: str
    ) -> None:
        good = isinstance(key, str | int) and not isinstance(key, bool) and str(key).strip()
        if not good:
            payload = reject("required", "id", f"{entity} without an id ({fallback})")
        self.records.append(
            (
                RawRecord(self.source, entity, str(key).strip() if good else f"nokey:{fallback}", payload),
                facts,
            )
        )


def _epoch(value: Any) -> int | None:
    return (
        int(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e11
        else None
    )


def _posts(
    fetcher: Fetcher, fp: FetchedProfile, cutoff: int | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Posts in feed order down to ``cutoff``; True when every post was read (nothing older is left).

    The feed is newest first except for pinned posts at its top, which may be old: the read stops when
    the last post of the latest page is older than ``cutoff``, never because a pinned post is. A read is
    complete only when the last page said so and as many posts as the profile's media count were seen.
    """
    posts, cursor, pages = list(fp.posts), fp.next_cursor, 0
    while cursor and len(posts) < limit and pages < limit:
        last = _epoch(posts[-1].get("taken_at")) if posts else None
        if cutoff is not None and last is not None and last < cutoff:
            return posts, False
        more, cursor = fetcher.more_posts(fp, cursor)
        posts.extend(more)
        pages += 1
    count = fp.media_count
    short = isinstance(count, int) and not isinstance(count, bool) and len(posts) < count
    return posts[:limit], cursor is None and len(posts) <= limit and not short


def _read_down_to(posts: list[dict[str, Any]], cutoff: int | None) -> float:
    """The time down to which every post was read: the last dated post in feed order (not a pinned one)."""
    last = next((t for t in (_epoch(p.get("taken_at")) for p in reversed(posts)) if t is not None), None)
    return max(last, cutoff or 0) if last is not None else math.inf


def start_sync(
    config: SourceConfig, position: Position | None, clock: Callable[[], dt.datetime] | None
) -> tuple[InstagramOptions, Position, SyncState, dt.datetime]:
    """What both Instagram readers start from: options, the position (default: a file in ``state_dir``),
    the last sync's state, and now."""
    options = InstagramOptions.from_config(config)
    position = position or FilePosition.in_dir(options.state_dir, config.name)
    previous = SyncState() if options.full_sync else load_state(position)
    now = (clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)))()
    return options, position, previous, now


def sync(
    source: str, options: InstagramOptions, fetcher: Fetcher, previous: SyncState, now: dt.datetime
) -> Diff:
    """What changed on Instagram since ``previous``."""
    run = _Run(source)
    run.known_comment_posts = {str(f.get("m")) for k, f in previous.facts.items() if k.startswith("Comment:")}
    marks: dict[str, int] = {} if options.full_sync else dict(previous.marks.get("watermark", {}))
    for username in options.usernames:
        _profile(run, options, fetcher, username, marks.get(username))
    if options.comments_of:
        _comments(run, options, fetcher, options.comments_of, marks.get(options.comments_of))

    def in_scope(key: str, facts: Mapping[str, Any]) -> bool:
        entity = key.partition(":")[0]
        user = facts.get("u")
        if entity in ("Profile", "Post") and user in run.gone_users:
            return True
        if entity == "Profile":
            return user in run.seen_users
        if entity == "Post":
            t = _epoch(facts.get("t"))
            return user in run.seen_users and (t is None or t >= run.scope_from.get(str(user), 0))
        return facts.get("m") in run.comment_posts

    result = diff(source, previous, run.records, now, in_scope, lambda k: not k.startswith(MARKERS))
    result.state.marks["watermark"] = {**marks, **run.watermarks}
    for gone in run.gone_users:
        result.state.marks["watermark"].pop(gone, None)
    return result


def _fetch(run: _Run, fetcher: Fetcher, username: str) -> FetchedProfile | None:
    try:
        fp = fetcher.profile(username)
    except ParseError as e:
        marker = RawRecord(
            run.source, "Profile", f"nokey:profile-{username}", reject("parse", e.field, str(e))
        )
        run.records.append((marker, {}))
        run.seen_users.add(username)  # answered, though unreadably: keep what we know
        return None
    if fp is None or not fp.public_business:
        logger.info(
            "%s: profile %s is gone, private or not a business: honouring as deleted", run.source, username
        )
        run.gone_users.add(username)
        return None
    run.seen_users.add(username)
    return fp


def _profile(run: _Run, options: InstagramOptions, fetcher: Fetcher, username: str, mark: int | None) -> None:
    fp = _fetch(run, fetcher, username)
    if fp is None:
        return
    cutoff = None if mark is None else mark - options.lookback_days * DAY
    posts, complete = _posts(fetcher, fp, cutoff, options.max_posts)
    run.add(
        "Profile",
        fp.user.get("id"),
        profile_payload(fp.user, fp.followers, fp.media_count, posts[: options.engagement_posts]),
        {"u": username},
        f"profile-{username}",
    )
    times = [t for t in (_epoch(p.get("taken_at")) for p in posts) if t is not None]
    # only what was read can be found deleted: a partial read leaves older posts as they were
    run.scope_from[username] = 0 if complete else _read_down_to(posts, cutoff)
    if times:
        run.watermarks[username] = max(times)
    for i, post in enumerate(posts):
        t = _epoch(post.get("taken_at"))
        if cutoff is not None and t is not None and t < cutoff:
            continue
        facts = {"u": username, "t": t, "o": fp.user.get("id")}
        run.add("Post", post.get("shortcode"), post, facts, f"post-{username}-{i}")


def _comments(
    run: _Run, options: InstagramOptions, fetcher: Fetcher, username: str, mark: int | None
) -> None:
    """Comments on our own recent posts (the posts themselves are not customer data and are not yielded)."""
    fp = _fetch(run, fetcher, username)
    if fp is None:
        return
    run.seen_users.discard(username)
    cutoff = None if mark is None else mark - options.lookback_days * DAY
    posts, _ = _posts(fetcher, fp, cutoff, options.max_posts)
    times = [t for t in (_epoch(p.get("taken_at")) for p in posts) if t is not None]
    if times:
        run.watermarks[username] = max(times)
    for post in posts:
        code, t = post.get("shortcode"), _epoch(post.get("taken_at"))
        if not isinstance(code, str) or (cutoff is not None and t is not None and t < cutoff):
            continue
        if post.get("comments") == 0 and code not in run.known_comment_posts:
            continue
        run.comment_posts.add(code)
        for i, comment in enumerate(fetcher.comments(post)):
            comment["sentiment"] = sentiment(comment.get("text"))
            owner = sub(comment, "owner")
            run.add(
                "Comment",
                comment.get("id"),
                comment,
                {"m": code, "o": owner.get("id")},
                f"comment-{code}-{i}",
            )
