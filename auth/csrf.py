"""CSRF protection: one random token per browser session, required on every state-changing request.

Forms carry it in a hidden ``csrf_token`` field. Dash's renderer already sends the ``_csrf_token``
cookie back as an ``X-CSRFToken`` header on its requests, so the token is also kept in that cookie
(readable by the page's scripts, ``SameSite=Strict``); another site can neither read it nor set it.
Requests authenticated by an ``Authorization`` header carry no cookie credentials and need no token.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from flask import Response, request, session

logger = logging.getLogger(__name__)

SESSION_KEY = "csrf"
COOKIE = "_csrf_token"  # the name dash-renderer reads
FORM_FIELD = "csrf_token"
HEADERS = ("X-CSRFToken", "X-CSRF-Token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token() -> str:
    """The session's CSRF token, created on first use."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def rotate() -> str:
    """A fresh token (at sign-in, so a token seen before sign-in is worthless after)."""
    session.pop(SESSION_KEY, None)
    return token()


def needs_check() -> bool:
    """Whether the current request changes state with cookie credentials."""
    return request.method not in SAFE_METHODS and "Authorization" not in request.headers


def is_valid() -> bool:
    """Whether the current request carries the session's token (form field or header)."""
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected:
        return False
    sent = next((request.headers[h] for h in HEADERS if request.headers.get(h)), None)
    if sent is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get(FORM_FIELD)
    return sent is not None and hmac.compare_digest(sent, expected)


def set_cookie(response: Response, secure: bool) -> None:
    """Mirror the session's token into the cookie Dash reads (only when it changed)."""
    value = session.get(SESSION_KEY)
    if isinstance(value, str) and request.cookies.get(COOKIE) != value:
        response.set_cookie(COOKIE, value, secure=secure, httponly=False, samesite="Strict", path="/")
