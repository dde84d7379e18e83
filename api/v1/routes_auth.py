"""``/api/v1/auth``: sign in for tokens, refresh them, sign out; ``/api/v1/api-keys`` for administrators."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.v1 import schemas
from api.v1.access import require_roles
from api.v1.context import api_context, current_principal
from api.v1.keys import create_key, list_keys, revoke_key
from api.v1.queries import plain_row
from api.v1.tokens import TokenError, family_user, issue_access, revoke_family, rotate, start_family
from warehouse import mfa, users
from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Tokens, sign-out and API keys")


def _tokens(user: PortalUser, family_id: str, refresh_token: str) -> dict[str, Any]:
    context = api_context()
    minutes = context.settings.api_access_minutes
    access = issue_access(context.keys, user, family_id, context.clock(), minutes)
    return {
        "access_token": access,
        "refresh_token": refresh_token,
        "token_type": "Bearer",  # the OAuth 2 token type, not a secret  # nosec B105
        "expires_in": minutes * 60,
    }


@blp.route("/auth/token", endpoint="token", methods=["POST"])
@blp.arguments(schemas.TokenRequestSchema)
@blp.response(200, schemas.TokenSchema)
def token(body: dict[str, Any]) -> dict[str, Any]:
    """Sign in with a portal username and password (and a second-factor code when the user has one)."""
    context = api_context()
    user = users.authenticate(context.warehouse, body["username"], body["password"], request.remote_addr)
    if user is None:
        abort(401, message="wrong username or password")
    assert user is not None  # abort raised otherwise; narrows the type  # nosec B101
    now = context.clock()
    if mfa.is_enrolled(context.warehouse, user.user_id):
        key = mfa.cipher(str(current_app.config["SECRET_KEY"]))
        if not body.get("otp") or mfa.verify(context.warehouse, user.user_id, body["otp"], key, now) is None:
            abort(401, message="a valid second-factor code (otp) is required for this user")
    elif user.role in context.settings.mfa_required_roles:
        abort(403, message="set up two-step sign-in in the portal before using the API")
    family_id, refresh_token = start_family(context.warehouse, user, now, context.settings.api_refresh_days)
    return _tokens(user, family_id, refresh_token)


@blp.route("/auth/refresh", endpoint="refresh", methods=["POST"])
@blp.arguments(schemas.RefreshRequestSchema)
@blp.response(200, schemas.TokenSchema)
def refresh(body: dict[str, Any]) -> dict[str, Any]:
    """A new access token and the next refresh token; a refresh token used twice revokes its sign-in."""
    context = api_context()
    try:
        family_id, refresh_token = rotate(
            context.warehouse, body["refresh_token"], context.clock(), context.settings.api_refresh_days
        )
    except TokenError as e:
        abort(401, message=str(e))
    user = family_user(context.warehouse, family_id)
    if user is None:
        abort(401, message="this sign-in was revoked")
    assert user is not None  # abort raised otherwise  # nosec B101
    return _tokens(user, family_id, refresh_token)


@blp.route("/auth/revoke", endpoint="revoke", methods=["POST"])
@blp.response(204)
def revoke() -> None:
    """Sign out: the caller's access and refresh tokens stop working at once."""
    principal = current_principal()
    if principal.family_id is None:
        abort(400, message="an API key is revoked by an administrator, not by itself")
    context = api_context()
    revoke_family(context.warehouse, str(principal.family_id), "logout", context.clock())


@blp.route("/me", endpoint="me", methods=["GET"])
@blp.response(200, schemas.MeSchema)
def me() -> dict[str, Any]:
    """Who the token or key belongs to, and what it may read."""
    p = current_principal()
    return {
        "subject": p.subject,
        "username": p.username,
        "role": p.role,
        "rep_key": p.rep_key,
        "sees_personal_data": p.viewer.sees_pii,
    }


@blp.route("/api-keys", endpoint="api_keys")
class ApiKeys(MethodView):
    @blp.response(200, schemas.ApiKeySchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every API key (never the key text)."""
        require_roles("admin")
        return [plain_row(r) for r in list_keys(api_context().warehouse)]

    @blp.arguments(schemas.ApiKeyCreateSchema)
    @blp.response(201, schemas.ApiKeyCreatedSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a key for a service; the answer holds the key, shown this once."""
        principal = require_roles("admin")
        context = api_context()
        row, key = create_key(
            context.warehouse,
            body["name"],
            body["role"],
            body.get("rep_key"),
            principal.username,
            context.clock(),
        )
        return plain_row(row) | {"key": key}


@blp.route("/api-keys/<string:key_id>", endpoint="api_key", methods=["DELETE"])
@blp.response(204)
def delete_key(key_id: str) -> None:
    """Revoke a key: it stops working at once."""
    require_roles("admin")
    context = api_context()
    if not revoke_key(context.warehouse, key_id, context.clock()):
        abort(404, message="no such active API key")
