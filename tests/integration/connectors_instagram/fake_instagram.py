"""A local Instagram: the web JSON instaloader reads logged out, and the Graph API, from one model.

Web: ``/api/v1/users/web_profile_info/`` and ``/graphql/query`` (profile timeline and comment pages, in
the observed ``data.user`` / ``data.shortcode_media`` shapes). Graph: business discovery, media comments
and the long-lived token exchange (``/v21.0/...``), errors in the documented ``{"error": {...}}`` shape.
Faults: 429/503 answers and connections dropped mid-body, popped per request; a request log.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.integration import loopback
from tests.integration.loopback import send_truncated

PAGE = 12
TIMELINE = "003056d32c2554def87228bc3fd9668a"
COMMENTS = "bc3296d1ce80a24b1b6e40b1e72903f5"


@dataclass
class Model:
    """Profiles (handle -> user with ``posts``), our own handle, and comments per own-post shortcode."""

    profiles: dict[str, dict[str, Any]]
    own: str
    comments: dict[str, list[dict[str, Any]]]
    tokens: set[str] = field(default_factory=lambda: {"token-1"})
    faults: list[str] = field(default_factory=list)
    log: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts_of(self, handle: str) -> list[dict[str, Any]]:
        """The feed: pinned posts (the profile's ``pinned`` shortcodes) first, then newest first."""
        pinned = self.profiles[handle].get("pinned", [])
        return sorted(
            self.profiles[handle]["posts"],
            key=lambda p: (p["shortcode"] not in pinned, -int(p["taken_at"])),
        )


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _web_node(post: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "GraphImage", "id": post["id"], "shortcode": post["shortcode"], "taken_at_timestamp": post["taken_at"],
        "edge_liked_by": {"count": post["likes"]}, "edge_media_preview_like": {"count": post["likes"]},
        "edge_media_to_comment": {"count": post["comments"]},
        "edge_media_to_caption": {"edges": [{"node": {"text": post["caption"]}}] if post["caption"] else []},
    }  # fmt: skip


def _cursor(position: int) -> str:
    """An opaque Graph-style cursor for a position in a list (base64, like the service's)."""
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode()


def _position(cursor: str | None) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("pos:")) if cursor else 0


def _web_page(items: list[Any], after: str | None, size: int) -> tuple[list[Any], dict[str, Any]]:
    start = int(after) if after else 0
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, {"has_next_page": more, "end_cursor": str(start + size) if more else None}


class Handler(BaseHTTPRequestHandler):
    model: Model
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.model.log.append(
            (self.path, status)
        )  # before the answer: the client may look as soon as it has it
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        m = self.model
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with m.lock:
            fault = m.faults.pop(0) if m.faults and not parts.path.endswith("access_token") else None
        if fault in ("429", "503"):
            self._send(
                int(fault), {"message": "Please wait a few minutes before you try again.", "status": "fail"}
            )
            return
        status, body = self._route(parts.path, query)
        if fault == "drop":
            m.log.append((self.path, -1))
            send_truncated(self, status, body)
            return
        self._send(status, body)

    def _route(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        m = self.model
        if path.rstrip("/") == "/api/v1/users/web_profile_info":
            user = m.profiles.get(q.get("username", "").lower())
            if user is None:
                return 404, {"message": "User not found", "status": "fail"}
            return 200, {"data": {"user": self._web_user(user)}, "status": "ok"}
        if path.rstrip("/") == "/graphql/query":
            variables = json.loads(q.get("variables", "{}"))
            if q.get("query_hash") == TIMELINE:
                handle = next((h for h, u in m.profiles.items() if u["id"] == variables.get("id")), None)
                if handle is None:
                    return 200, {"data": {"user": None}, "status": "ok"}
                posts, info = _web_page(
                    m.posts_of(handle), variables.get("after"), int(variables.get("first", PAGE))
                )
                conn = {
                    "count": len(m.profiles[handle]["posts"]),
                    "page_info": info,
                    "edges": [{"node": _web_node(p)} for p in posts],
                }
                return 200, {"data": {"user": {"edge_owner_to_timeline_media": conn}}, "status": "ok"}
            if q.get("query_hash") == COMMENTS:
                comments = m.comments.get(variables.get("shortcode", ""))
                if comments is None:
                    return 200, {"data": {"shortcode_media": None}, "status": "ok"}
                chunk, info = _web_page(comments, variables.get("after"), int(variables.get("first", 50)))
                edges = [{"node": {**c, "edge_liked_by": {"count": c["likes"]}}} for c in chunk]
                conn = {"count": len(comments), "page_info": info, "edges": edges}
                return 200, {
                    "data": {
                        "shortcode_media": {
                            "shortcode": variables["shortcode"],
                            "edge_media_to_parent_comment": conn,
                        }
                    },
                    "status": "ok",
                }
        if path.startswith("/v21.0/"):
            return self._graph(path.removeprefix("/v21.0/"), q)
        return 404, {"message": "not found", "status": "fail"}

    def _web_user(self, user: dict[str, Any]) -> dict[str, Any]:
        posts, info = _web_page(self.model.posts_of(user["username"]), None, PAGE)
        return {
            "id": user["id"], "username": user["username"], "full_name": user["full_name"], "is_private": user["is_private"],
            "is_business_account": user["is_business_account"], "biography": "not collected", "business_email": "x@example.com",
            "edge_followed_by": {"count": user["followers"]}, "edge_follow": {"count": 10},
            "edge_owner_to_timeline_media": {"count": len(user["posts"]), "page_info": info, "edges": [{"node": _web_node(p)} for p in posts]},
        }  # fmt: skip

    def _graph(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        m = self.model
        if path == "oauth/access_token":
            if q.get("grant_type") != "fb_exchange_token" or q.get("client_secret") != "app-secret":
                return 400, {
                    "error": {"message": "Invalid client_secret", "type": "OAuthException", "code": 1}
                }
            new = f"token-{len(m.tokens) + 1}"
            m.tokens.add(new)
            return 200, {"access_token": new, "token_type": "bearer", "expires_in": 5183944}
        if q.get("access_token") not in m.tokens:
            return 400, {
                "error": {
                    "message": "Error validating access token: Session has expired.",
                    "type": "OAuthException",
                    "code": 190,
                    "error_subcode": 463,
                }
            }
        if path.endswith("/comments"):
            media_id = path.split("/")[0]
            code = next((p["shortcode"] for p in m.profiles[m.own]["posts"] if p["id"] == media_id), None)
            if code is None:
                return 400, {
                    "error": {
                        "message": "Unsupported get request.",
                        "type": "GraphMethodException",
                        "code": 100,
                        "error_subcode": 33,
                    }
                }
            start, limit = _position(q.get("after")), int(q.get("limit", 50))
            chunk = m.comments.get(code, [])[start : start + limit]
            data = [
                {
                    "id": c["id"],
                    "text": c["text"],
                    "timestamp": _iso(c["created_at"]),
                    "like_count": c["likes"],
                    "from": dict(c["owner"]),
                }
                for c in chunk
            ]
            return 200, self._paging(data, start)
        match = re.search(r"business_discovery\.username\(([^)]*)\)", q.get("fields", ""))
        if match is None:
            return 400, {"error": {"message": "fields required", "type": "OAuthException", "code": 100}}
        user = m.profiles.get(match.group(1).lower())
        if user is None or user["is_private"] or not user["is_business_account"]:
            return 400, {
                "error": {
                    "message": "Invalid user id",
                    "type": "OAuthException",
                    "code": 110,
                    "error_subcode": 2207013,
                }
            }
        after = re.search(r"media\.after\(([^)]*)\)", q["fields"])
        size = re.search(r"limit\((\d+)\)", q["fields"])
        start, limit = _position(after.group(1) if after else None), int(size.group(1)) if size else 25
        posts = m.posts_of(user["username"])[start : start + limit]
        media = [{"id": p["id"], "caption": p["caption"], "comments_count": p["comments"], "like_count": p["likes"],
                  "timestamp": _iso(p["taken_at"]), "permalink": f"https://www.instagram.com/p/{p['shortcode']}/"} for p in posts]  # fmt: skip
        found: dict[str, Any] = {"id": user["id"], "media": self._paging(media, start)}
        if not after:
            found.update(
                username=user["username"],
                name=user["full_name"],
                followers_count=user["followers"],
                media_count=len(user["posts"]),
            )
        return 200, {"business_discovery": found, "id": path}

    @staticmethod
    def _paging(data: list[Any], start: int) -> dict[str, Any]:
        """A Graph page as business_discovery sends it: only ``cursors.after``, no ``next`` link, even on
        the last page; asked past the end, ``{"data": []}`` without paging."""
        if not data:
            return {"data": []}
        return {"data": data, "paging": {"cursors": {"after": _cursor(start + len(data))}}}


def serve(model: Model) -> contextlib.AbstractContextManager[str]:
    """Run the server on a free loopback port; the context yields its base URL."""
    return loopback.serve(Handler, model=model)
