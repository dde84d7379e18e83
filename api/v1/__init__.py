"""The REST API, version 1 (docs/api.md): flask-smorest blueprints under ``/api/v1`` on the portal's server.

:func:`register` mounts them with their OpenAPI document at ``/api/openapi.json``, the docs page at
``/api/docs``, token and API-key authentication, per-client rate limits and the webhook delivery worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_smorest import Api

from api.errors import REQUEST_ID_HEADER, from_exception, request_id
from api.v1 import docs, quota, routes_auth, routes_customers, routes_sales, routes_webhooks, stream
from api.v1 import identity as identity_routes
from api.v1.access import authenticate, is_v1_request, rate_limit_key
from api.v1.context import ApiContext, api_context, install_context, utcnow
from api.v1.schemas import ErrorSchema
from api.v1.tokens import KeySet, Principal, TokenError, key_set
from api.v1.urlguard import AllowList
from api.v1.webhooks import AlertForwarder, DeliveryPolicy, DeliveryWorker, publish, verify_signature
from pipeline.events.live import Viewer as LiveViewer
from settings import Settings
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

DOC_PATHS = ("/api/openapi.json", "/api/docs", "/api/docs/docs.css", "/api/docs/docs.js")
BLUEPRINTS = (
    routes_auth.blp,
    routes_customers.blp,
    routes_sales.blp,
    identity_routes.blp,
    routes_webhooks.blp,
    stream.blp,
)
for _blp in BLUEPRINTS:  # once per process: a blueprint takes no new handlers after its first app
    _blp.register_error_handler(Exception, from_exception)


class _Api(Api):  # type: ignore[misc]
    """flask-smorest's Api answering errors in our shape and leaving the portal's own errors alone."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:  # the API package's handler covers /api; pages keep theirs
        return None


def is_token_request() -> bool:
    """Requests the API authenticates itself (tokens or keys, never the portal's cookie session)."""
    return is_v1_request() or request.path in DOC_PATHS


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        settings.webhook_max_attempts,
        settings.webhook_backoff_seconds,
        settings.webhook_timeout_seconds,
        AllowList.parse(settings.webhook_allowed_hosts),
    )


def register(
    server: Flask,
    warehouse: Warehouse,
    settings: Settings,
    clock: Callable[[], dt.datetime] = utcnow,
    *,
    worker: bool | None = None,
) -> ApiContext:
    """Mount API v1 on ``server``; ``worker`` starts the webhook delivery thread (default: not under pytest)."""
    context = ApiContext(settings, warehouse, key_set(settings, str(server.config["SECRET_KEY"])), clock)
    install_context(server, context)
    server.config.update(
        API_TITLE="Customer 360 API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = _Api(
        server,
        spec_kwargs={
            "info": {
                "description": "Customers, sales, campaigns, KPIs and webhooks of Customer 360. See docs/api.md."
            },
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    api.spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    _secure_operations(api)
    server.before_request(authenticate)
    limiter = Limiter(
        key_func=rate_limit_key,
        app=server,
        default_limits=[settings.api_rate_limit],
        default_limits_exempt_when=lambda: not is_v1_request(),
        storage_uri=quota.storage_uri(settings.api_rate_limit_storage),
        headers_enabled=True,
        key_prefix="c360-api",
    )
    context.extras["limiter"] = limiter
    server.add_url_rule("/api/docs", "api_docs_page", lambda: docs.page(api.spec.to_dict()))
    server.add_url_rule("/api/docs/docs.css", "api_docs_css", docs.css)
    server.add_url_rule("/api/docs/docs.js", "api_docs_js", docs.script)

    @server.after_request
    def echo_request_id(response: Response) -> Response:
        if request.path.startswith("/api"):
            response.headers[REQUEST_ID_HEADER] = request_id()
        return response

    if worker if worker is not None else "PYTEST_CURRENT_TEST" not in os.environ:
        thread = DeliveryWorker(warehouse, delivery_policy(settings), clock)
        thread.start()
        forwarder = AlertForwarder(warehouse, lambda: _board_alerts(server), clock)
        forwarder.start()
        context.extras["worker"], context.extras["alerts"] = thread, forwarder
    return context


def _board_alerts(server: Flask) -> list[dict[str, Any]]:
    """The newest alerts on the portal's live board (all of them: webhooks are set up by trusted roles)."""
    board = server.extensions.get(stream.BOARD_EXTENSION)
    if board is None:
        return []
    alerts: list[dict[str, Any]] = board.snapshot(LiveViewer("admin"))["alerts"]
    return alerts


def _secure_operations(api: Api) -> None:
    """Every operation but signing in needs a token or a key (so the document and clients say so)."""
    for path, item in api.spec._paths.items():
        for method, op in item.items():
            if (
                isinstance(op, dict)
                and not path.startswith("/api/v1/auth/token")
                and not path.startswith("/api/v1/auth/refresh")
            ):
                op.setdefault("security", [{"bearer": []}, {"apiKey": []}])
            del method


__all__ = [
    "ApiContext",
    "KeySet",
    "Principal",
    "TokenError",
    "api_context",
    "is_token_request",
    "publish",
    "register",
    "verify_signature",
]
