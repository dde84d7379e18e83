"""Who is calling: a bearer access token or an ``X-API-Key``, checked before any ``/api/v1`` view runs."""

from __future__ import annotations

import logging

from flask import Response, g, request
from flask_smorest import abort

from api.errors import error_response
from api.v1.context import api_context
from api.v1.keys import key_principal
from api.v1.tokens import Principal, TokenError, cached_family_user, principal_of, verify_access

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
PUBLIC_ENDPOINTS = frozenset({"auth.token", "auth.refresh"})
BLUEPRINTS = frozenset({"auth", "customers", "sales", "identity", "webhooks", "stream"})
API_KEY_HEADER = "X-API-Key"


def is_v1_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _unauthorized(message: str) -> Response:
    response = error_response(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="customer360"'
    return response


def principal_from_request() -> Principal:
    """The caller of the current request; :class:`TokenError` when its credentials do not hold."""
    context = api_context()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenError("use Authorization: Bearer <access token>")
        claims = verify_access(context.keys, token.strip(), context.clock())
        user = cached_family_user(context.warehouse, str(claims["fam"]))
        if user is None or f"user:{user.user_id}" != claims["sub"]:
            raise TokenError("token revoked")
        return principal_of(user, str(claims["fam"]))
    key = request.headers.get(API_KEY_HEADER, "")
    if key:
        principal = key_principal(context.warehouse, key)
        if principal is None:
            raise TokenError("unknown or revoked API key")
        return principal
    raise TokenError("send an access token (Authorization: Bearer ...) or an API key (X-API-Key)")


def authenticate() -> Response | None:
    """The before-request hook: sets ``g.principal`` for ``/api/v1`` views, or answers 401."""
    if not is_v1_request() or request.routing_exception is not None:
        return None
    if request.blueprint not in BLUEPRINTS:  # the portal's catch-all page route: not an API answer
        return error_response(404, "No API route matches this URL.")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    try:
        g.principal = principal_from_request()
    except TokenError as e:
        logger.info("api: refused %s %s: %s", request.method, request.path, e)
        return _unauthorized(str(e))
    return None


def require_roles(*roles: str) -> Principal:
    """The caller, when their role is one of ``roles``; else 403."""
    principal: Principal = g.principal
    if principal.role not in roles:
        abort(403, message=f"this needs one of the roles {', '.join(roles)}")
    return principal


def rate_limit_key() -> str:
    """Rate limits count per client: the token subject or API key, else the address."""
    principal = g.get("principal")
    return principal.subject if principal is not None else f"addr:{request.remote_addr}"
