"""``type = "instagram_web"``: public business profiles through instaloader, logged out.

instaloader's ``InstaloaderContext`` makes every request: its pacing (jittered sleeps, per-query
rate controller), its 429 handling and retries, and its error mapping (404 -> not found, login
redirects -> login required). We ask for what a logged-out visitor sees: ``web_profile_info`` for a
profile and its newest posts, the profile-timeline GraphQL query for older posts, and the comments
GraphQL query for our own posts. No login, no private profiles (see docs/connectors-sheets-instagram.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import instaloader
import requests
from instaloader.exceptions import (
    AbortDownloadException,
    ConnectionException,
    InstaloaderException,
    LoginRequiredException,
    QueryReturnedNotFoundException,
)

from pipeline.connectors.changes import emit
from pipeline.connectors.instagram.parse import (
    ParseError,
    web_comment,
    web_comment_page,
    web_post,
    web_timeline,
    web_timeline_page,
    web_user,
    web_user_id,
)
from pipeline.connectors.instagram.sync import FetchedProfile, InstagramOptions, start_sync, sync
from pipeline.connectors.transport import mount
from pipeline.errors import SourceError
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)

WEB_HOST: Final = "www.instagram.com"
PROFILE_PATH: Final = "api/v1/users/web_profile_info/"
TIMELINE_QUERY: Final = "003056d32c2554def87228bc3fd9668a"  # edge_owner_to_timeline_media, by user id
COMMENTS_QUERY: Final = "bc3296d1ce80a24b1b6e40b1e72903f5"  # edge_media_to_parent_comment, by shortcode
PAGE_SIZE: Final = 12
MAX_COMMENT_PAGES: Final = 500


class WebFetcher:
    """Answers the sync's questions with instaloader's context (one shared, paced session)."""

    def __init__(self, context: instaloader.InstaloaderContext, session: requests.Session) -> None:
        self.context = context
        self.session = session

    @classmethod
    def connect(cls, source: str, options: InstagramOptions, pace: bool = True) -> WebFetcher:
        context = instaloader.InstaloaderContext(
            sleep=pace, quiet=True, max_connection_attempts=options.retries + 1, request_timeout=60.0
        )
        session = context.get_anonymous_session()
        # instaloader retries and paces itself; the adapter adds the host's breaker (and the redirect)
        mount(
            session,
            source,
            f"https://{WEB_HOST}",
            options.endpoint,
            retries=0,
            attempts_per_call=options.retries + 1,
        )
        return cls(context, session)

    def _json(self, path: str, params: dict[str, Any]) -> Any:
        return self.context.get_json(path, params, session=self.session)

    def _graphql(self, query_hash: str, variables: Mapping[str, Any]) -> Any:
        params = {"query_hash": query_hash, "variables": json.dumps(variables, separators=(",", ":"))}
        return self._json("graphql/query", params)

    def profile(self, username: str) -> FetchedProfile | None:
        try:
            doc = self._json(PROFILE_PATH, {"username": username})
        except QueryReturnedNotFoundException:
            return None
        user = web_user(doc)
        if user is None:
            return None
        followers = _count(user, "edge_followed_by", "followed_by")
        page = web_timeline(user)
        owner = {"id": web_user_id(doc, user, page.nodes), "username": user.get("username") or username}
        return FetchedProfile(
            user={**{k: user.get(k) for k in ("full_name", "is_business_account")}, **owner},
            followers=followers,
            media_count=_count(user, "edge_owner_to_timeline_media", "media"),
            posts=[web_post(n, owner, followers) for n in page.nodes],
            next_cursor=page.next_cursor,
            public_business=user.get("is_private") is not True
            and user.get("is_business_account") is not False,
        )

    def more_posts(self, profile: FetchedProfile, cursor: str) -> tuple[list[dict[str, Any]], str | None]:
        doc = self._graphql(
            TIMELINE_QUERY, {"id": str(profile.user.get("id")), "first": PAGE_SIZE, "after": cursor}
        )
        page = web_timeline_page(doc)
        owner = {"id": profile.user.get("id"), "username": profile.user.get("username")}
        return [web_post(n, owner, profile.followers) for n in page.nodes], page.next_cursor

    def comments(self, post: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        code = str(post.get("shortcode"))
        cursor: str | None = ""
        for _ in range(MAX_COMMENT_PAGES):
            variables: dict[str, Any] = {"shortcode": code, "first": 50}
            if cursor:
                variables["after"] = cursor
            try:
                page = web_comment_page(self._graphql(COMMENTS_QUERY, variables))
            except QueryReturnedNotFoundException:
                return  # the post is gone: its comments are absent, and so tombstoned
            yield from (web_comment(n, code) for n in page.nodes)
            cursor = page.next_cursor
            if not cursor:
                return


def _count(user: Mapping[str, Any], *edges: str) -> Any:
    """The first ``<edge>.count`` present (``edge_followed_by`` today, ``followed_by`` in older answers)."""
    for edge in edges:
        value = user.get(edge)
        if isinstance(value, Mapping) and value.get("count") is not None:
            return value.get("count")
    return None


def read_instagram_web(
    config: SourceConfig,
    position: Position | None = None,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    fetcher: WebFetcher | None = None,
) -> Iterator[RawRecord]:
    """New, changed and deleted profiles, posts and comments since the last sync."""
    options, position, previous, now = start_sync(config, position, clock)
    try:
        result = sync(
            config.name, options, fetcher or WebFetcher.connect(config.name, options), previous, now
        )
    except ParseError as e:
        raise SourceError(config.name, f"Instagram answered in an unexpected shape at {e}") from e
    except LoginRequiredException as e:
        raise SourceError(
            config.name, f"Instagram wants a login for this ({e}); we only read logged out"
        ) from e
    except AbortDownloadException as e:
        raise SourceError(
            config.name, f"Instagram blocked the session ({e}); pause this source and retry later"
        ) from e
    except (ConnectionException, InstaloaderException) as e:
        raise SourceError(config.name, f"Instagram unreachable after retries: {e}") from e
    yield from emit(config.name, position, result)
