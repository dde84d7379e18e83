"""The REST API: a Flask blueprint mounted at ``/api``, answering every error as JSON.

Errors have one shape, ``{"error": {"code": 404, "message": "..."}}`` (:mod:`api.errors`); paths
under ``/api`` that match no API route get it too, instead of falling through to the portal pages.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from api import v1
from api.errors import error_response, from_exception, from_http_exception, request_id
from api.health import health, service_version
from auth.context import Clock, utcnow
from settings import Settings, get_settings
from warehouse.engine import Warehouse

PREFIX = "/api"
PUBLIC_ENDPOINTS = frozenset({"api.health"})  # answered without signing in (probes)


def create_blueprint(warehouse: Warehouse) -> Blueprint:
    """The API blueprint, reading ``warehouse``."""
    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    bp.add_url_rule("/health", "health", lambda: health(warehouse), methods=["GET"])
    bp.register_error_handler(Exception, from_exception)
    return bp


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def is_token_request() -> bool:
    """Whether the request is for API v1 or its documents: authenticated by tokens and keys, not cookies."""
    return v1.is_token_request()


def register(
    server: Flask, warehouse: Warehouse, settings: Settings | None = None, clock: Clock = utcnow
) -> None:
    """Mount the API (health and v1) on ``server`` and answer HTTP errors under ``/api`` as JSON."""
    server.register_blueprint(create_blueprint(warehouse))
    v1.register(server, warehouse, settings or get_settings(), clock)

    def http_error(e: HTTPException) -> HTTPException | Response:
        return from_http_exception(e) if is_api_request() else e

    server.register_error_handler(HTTPException, http_error)


__all__ = [
    "PREFIX",
    "PUBLIC_ENDPOINTS",
    "create_blueprint",
    "error_response",
    "is_api_request",
    "is_token_request",
    "register",
    "request_id",
    "service_version",
]
