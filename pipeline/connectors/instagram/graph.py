"""``type = "instagram_graph"``: the official Instagram Graph API, the terms-of-service-first path.

Business discovery (``/{ig-user-id}?fields=business_discovery.username(x){...}``) gives another
business's public counts and media; our own media and their comments come from ``/{ig-user-id}/media``
and ``/{media-id}/comments``. The access token comes from the environment; an expired one (error code
190) is exchanged once for a fresh long-lived token when the app id and secret are set, otherwise the
sync stops with what to do. An exchanged token is kept encrypted in the secret store
(``<var_dir>/secrets/<source>.ig-token``, key from ``C360_INSTAGRAM_TOKEN_KEY`` or ``token_key_env``) and
used by later syncs for as long as the environment still holds the token it was exchanged from.
Errors map to exceptions through :data:`ERROR_CODES`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import requests

from pipeline.connectors.changes import emit
from pipeline.connectors.common import local_dir
from pipeline.connectors.instagram.parse import ParseError, graph_comment, graph_page, graph_post, obj
from pipeline.connectors.instagram.sync import FetchedProfile, InstagramOptions, start_sync, sync
from pipeline.connectors.secrets import SecretFile
from pipeline.connectors.transport import DROPPED, again, mount
from pipeline.errors import ConfigError, SourceError
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)

GRAPH_URL: Final = "https://graph.facebook.com"
VERSION: Final = "v21.0"
MEDIA_FIELDS: Final = "id,caption,comments_count,like_count,timestamp,permalink"
COMMENT_FIELDS: Final = "id,text,timestamp,like_count,from{id,username}"
PAGE_SIZE: Final = 25
MAX_PAGES: Final = 500


class GraphError(SourceError):
    """The Graph API refused a request."""


class TokenExpired(GraphError):
    """The access token is expired or revoked (code 190)."""


class NotFound(GraphError):
    """No such business account (code 110 / 100 with subcode 2207013, 33)."""


ERROR_CODES: Final[dict[int, type[GraphError]]] = {190: TokenExpired, 110: NotFound, 33: NotFound}
NOT_FOUND_SUBCODES: Final = frozenset({2207013, 33})


def raise_for_error(source: str, response: requests.Response) -> Any:
    """The JSON body, or the mapped :class:`GraphError` for an error body or status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, Mapping) else None
    if response.ok and error is None:
        return body
    if not isinstance(error, Mapping):
        raise GraphError(source, f"Graph API answered HTTP {response.status_code} without an error body")
    code, sub = error.get("code"), error.get("error_subcode")
    kind = ERROR_CODES.get(code if isinstance(code, int) else -1, GraphError)
    if sub in NOT_FOUND_SUBCODES:
        kind = NotFound
    raise kind(source, f"Graph API error {code}/{sub}: {str(error.get('message', ''))[:200]}")


class GraphFetcher:
    """Answers the sync's questions from the Graph API with one retrying session."""

    def __init__(
        self,
        source: str,
        base: str,
        user_id: str,
        token: str,
        app: tuple[str, str] | None,
        retries: int,
        store: SecretFile | None = None,
    ) -> None:
        self.source, self.base, self.user_id, self.token, self.app = (
            source,
            base.rstrip("/"),
            user_id,
            token,
            app,
        )
        self.session = requests.Session()
        root = "/".join(self.base.split("/")[:3])  # scheme://host[:port]
        mount(self.session, source, root, retries=retries)
        self.refreshed = False
        self.retries = retries
        self.store = store
        self.seed = _digest(token)  # the environment's token: a stored one exchanged from it is newer
        stored = store.load() if store is not None else None
        if stored is not None and stored.get("seed") == self.seed and stored.get("access_token"):
            self.token = str(stored["access_token"])

    @classmethod
    def from_config(cls, config: SourceConfig, options: InstagramOptions) -> GraphFetcher:
        o = config.options
        user_id = str(o.get("ig_user_id", "")).strip()
        token = os.environ.get(str(o.get("access_token_env", "INSTAGRAM_GRAPH_TOKEN")), "").strip()
        if not user_id or not token:
            raise ConfigError(
                f"source {config.name!r}: instagram_graph needs ig_user_id and a token in {o.get('access_token_env', 'INSTAGRAM_GRAPH_TOKEN')}"
            )
        app_id, secret = (
            os.environ.get(str(o.get(k, d)), "")
            for k, d in (("app_id_env", "META_APP_ID"), ("app_secret_env", "META_APP_SECRET"))
        )
        base = f"{str(o.get('base_url', options.endpoint or GRAPH_URL)).rstrip('/')}/{o.get('api_version', VERSION)}"
        store = None
        if app_id and secret:  # tokens may be exchanged: they need somewhere safe to live
            path = Path(
                str(
                    o.get("token_path")
                    or local_dir(config, "token_path") / "secrets" / f"{config.name}.ig-token"
                )
            )
            key_env = str(o.get("token_key_env", "C360_INSTAGRAM_TOKEN_KEY"))
            store = SecretFile.from_env(path, key_env, "Instagram token")
        return cls(
            config.name,
            base,
            user_id,
            token,
            (app_id, secret) if app_id and secret else None,
            options.retries,
            store,
        )

    def get(self, path: str, params: Mapping[str, Any]) -> Any:
        """GET ``path``; on an expired token, exchange it once and ask again."""
        for attempt in (1, 2):
            response = self._send(f"{self.base}/{path}", {**params, "access_token": self.token})
            try:
                return raise_for_error(self.source, response)
            except TokenExpired:
                if attempt == 2 or self.app is None:
                    raise TokenExpired(
                        self.source,
                        "access token expired or revoked (code 190): generate a new long-lived token and set it in the token environment variable, or set the app id/secret variables so it can be exchanged automatically",
                    ) from None
                self._exchange()
        raise AssertionError("unreachable")

    def _send(self, url: str, params: Mapping[str, Any]) -> requests.Response:
        """One GET; urllib3 retries statuses and refused connections, this retries bodies cut short."""
        try:
            return again(
                lambda: self.session.get(url, params=params, timeout=60), self.retries, "Graph response"
            )
        except DROPPED as e:
            raise GraphError(self.source, f"Graph API unreachable after retries: {e}") from e
        except requests.RequestException as e:
            raise GraphError(self.source, f"Graph API request failed: {e}") from e

    def _exchange(self) -> None:
        if self.app is None:
            raise GraphError(self.source, "a long-lived token exchange needs the app id and secret")
        params = {
            "grant_type": "fb_exchange_token",
            "client_id": self.app[0],
            "client_secret": self.app[1],
            "fb_exchange_token": self.token,
        }
        body = raise_for_error(self.source, self._send(f"{self.base}/oauth/access_token", params))
        token = body.get("access_token") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token:
            raise GraphError(self.source, "token exchange answered without an access_token")
        self.token, self.refreshed = token, True
        if self.store is not None:
            self.store.save({"access_token": token, "seed": self.seed})
        logger.info("%s: access token exchanged for a new long-lived one (kept encrypted)", self.source)

    def _discovery(self, username: str, media: str) -> Mapping[str, Any]:
        fields = f"business_discovery.username({username}){{{media}}}"
        return obj(
            obj(self.get(self.user_id, {"fields": fields}), "$").get("business_discovery"),
            "business_discovery",
        )

    def profile(self, username: str) -> FetchedProfile | None:
        media = f"id,username,name,followers_count,media_count,media.limit({PAGE_SIZE}){{{MEDIA_FIELDS}}}"
        try:
            found = self._discovery(username, media)
        except NotFound:
            return None
        page = graph_page(found.get("media", {"data": []}), "business_discovery.media")
        user = {  # the fields a business_discovery answer carries; the handle asked for if it has none
            "id": found.get("id") or found.get("ig_id"),
            "username": found.get("username") or username,
            "full_name": found.get("name"),
            "is_business_account": True,
        }
        followers = found.get("followers_count")
        return FetchedProfile(
            user,
            followers,
            found.get("media_count"),
            [graph_post(n, user, followers) for n in page.nodes],
            page.next_cursor,
        )

    def more_posts(self, profile: FetchedProfile, cursor: str) -> tuple[list[dict[str, Any]], str | None]:
        found = self._discovery(
            str(profile.user.get("username")), f"media.after({cursor}).limit({PAGE_SIZE}){{{MEDIA_FIELDS}}}"
        )
        page = graph_page(found.get("media", {"data": []}), "business_discovery.media")
        posts = [graph_post(n, profile.user, profile.followers) for n in page.nodes]
        return posts, page.next_cursor if page.next_cursor != cursor else None  # a repeated cursor: the end

    def comments(self, post: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"fields": COMMENT_FIELDS, "limit": 50}
        for _ in range(MAX_PAGES):
            try:
                page = graph_page(self.get(f"{post.get('id')}/comments", params), "comments")
            except NotFound:
                return
            yield from (graph_comment(n, str(post.get("shortcode"))) for n in page.nodes)
            if page.next_cursor is None or page.next_cursor == params.get("after"):
                return
            params["after"] = page.next_cursor


def read_instagram_graph(
    config: SourceConfig,
    position: Position | None = None,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    fetcher: GraphFetcher | None = None,
) -> Iterator[RawRecord]:
    """New, changed and deleted profiles, posts and comments since the last sync, from the Graph API."""
    options, position, previous, now = start_sync(config, position, clock)
    try:
        result = sync(
            config.name, options, fetcher or GraphFetcher.from_config(config, options), previous, now
        )
    except ParseError as e:
        raise GraphError(config.name, f"Graph API answered in an unexpected shape at {e}") from e
    yield from emit(config.name, position, result)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
