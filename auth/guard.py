"""Request hooks: CSRF check, the sign-in guard, and security headers and cookies on every answer.

Anonymous visitors are redirected to ``/login``; Dash's own routes answer them with the sign-in layout
(``/_dash-layout``), an empty callback graph (``/_dash-dependencies``) and 401 for callbacks, so no page
or data callback runs before sign-in.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_login import current_user

import api
from auth import csrf, headers, pages
from auth.context import auth_context

logger = logging.getLogger(__name__)

# Served to anonymous visitors: the sign-in pages' own requests and static files.
PUBLIC_PATHS = frozenset(
    {"/login", "/login/mfa", "/mfa/enrol", "/logout", "/_dash-layout", "/_favicon.ico", "/_reload-hash"}
)
PUBLIC_PATHS = PUBLIC_PATHS | {"/metrics", "/healthz", "/readyz"}  # probes and the metrics scrape
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` when configured or when the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def cookie_secure(server: Flask) -> bool:
    return bool(server.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def check_csrf() -> ResponseReturnValue | None:
    """Refuse a state-changing request without the session's CSRF token (400 JSON for the API, else 403)."""
    if not csrf.needs_check() or csrf.is_valid() or api.is_token_request():
        return None  # API v1 takes no cookie credentials, so there is nothing to forge
    logger.warning(
        "refused %s %s from %s: missing or wrong CSRF token",
        request.method,
        request.path,
        request.remote_addr,
    )
    message = "Missing or wrong CSRF token: reload the page and try again."
    if api.is_api_request():
        return api.error_response(400, message)
    if request.path.startswith("/_dash-"):
        return api.error_response(403, message)
    return Response(pages.refused_page(message), status=403, mimetype="text/html")


def require_login() -> ResponseReturnValue | None:
    """Let through signed-in users and public paths; everyone else is sent to sign in."""
    path = request.path
    if api.is_token_request():  # API v1 authenticates its own callers (tokens, keys)
        return None
    if api.is_api_request():
        if request.routing_exception is not None:  # 405 and friends: answered as JSON by the API handler
            return None
        if request.endpoint in api.PUBLIC_ENDPOINTS or (
            current_user.is_authenticated and request.blueprint == "api"
        ):
            return None
        if request.blueprint != "api":  # not an API route: JSON 404, not the portal's catch-all page
            return api.error_response(404, "No API route matches this URL.")
        return api.error_response(401, "Sign in first.")
    if request.method == "GET" and not path.startswith(PUBLIC_PREFIXES):
        csrf.token()  # every page a visitor opens gets a token for its forms and Dash's requests
    if current_user.is_authenticated:
        return redirect("/", code=303) if path == "/login" and request.method == "GET" else None
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if path == "/_dash-dependencies":
        return jsonify([])  # no callbacks until signed in
    if path.startswith("/_dash-") or request.method != "GET":
        return api.error_response(401, "Sign in first.")
    session["next"] = request.full_path.rstrip("?")
    return redirect("/login", code=303)


CSP_CONFIG = "CONTENT_SECURITY_POLICY"


def install(server: Flask) -> None:
    """Register the hooks on ``server``: the sign-in guard (401s first), then CSRF; headers on every answer.

    The CSP comes from ``server.config[CSP_CONFIG]``, a function (Dash's inline scripts can change).
    """
    server.config.setdefault(CSP_CONFIG, lambda: headers.content_security_policy([]))
    server.session_interface = SessionInterface()
    server.before_request(require_login)
    server.before_request(check_csrf)

    @server.after_request
    def secure_answer(response: Response) -> Response:
        headers.apply(response, server.config[CSP_CONFIG](), auth_context().settings.hsts_seconds)
        csrf.set_cookie(response, cookie_secure(server))
        return response
