"""``/api/v1/webhooks``: subscriptions (CRUD), their delivery log, the dead letters, and redelivery.

Subscriptions belong to whoever made them; administrators see and change every one. A URL must reach a
public address (``api.v1.urlguard``): one naming a private, loopback, link-local or metadata address, or
another scheme than http(s), is refused with 422.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.v1 import schemas, webhooks
from api.v1.access import require_roles
from api.v1.context import api_context
from api.v1.queries import plain_row
from api.v1.urlguard import AllowList, RefusedURL, check_url

blp = Blueprint(
    "webhooks", __name__, url_prefix="/api/v1", description="Webhook subscriptions and deliveries"
)

ROLES = ("admin", "manager", "marketing")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plain_row(row).items() if k != "secret"}


def _checked(url: str) -> str:
    """``url`` when it reaches a public address (or an allowed host); else 422 saying why."""
    try:
        check_url(url, AllowList.parse(api_context().settings.webhook_allowed_hosts))
    except RefusedURL as e:
        abort(422, message=f"url: {e}", errors={"json": {"url": [str(e)]}})
    return url


def _owned(subscription_id: int) -> dict[str, Any]:
    principal = require_roles(*ROLES)
    found = webhooks.subscription(api_context().warehouse, subscription_id)
    if found is None or (principal.role != "admin" and found["owner"] != principal.username):
        abort(404, message="no such subscription")
    assert found is not None  # abort raised otherwise  # nosec B101
    return found


@blp.route("/webhooks", endpoint="subscriptions")
class Subscriptions(MethodView):
    @blp.response(200, schemas.WebhookSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The caller's subscriptions (an administrator's: all)."""
        principal = require_roles(*ROLES)
        owner = None if principal.role == "admin" else principal.username
        return [_public(r) for r in webhooks.subscriptions(api_context().warehouse, owner)]

    @blp.arguments(schemas.WebhookCreateSchema)
    @blp.response(201, schemas.WebhookCreatedSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Subscribe a URL to event types; the answer holds the signing secret, shown this once."""
        principal = require_roles(*ROLES)
        context = api_context()
        row = webhooks.create_subscription(
            context.warehouse, _checked(body["url"]), body["event_types"], principal.username, context.clock()
        )
        return plain_row(row)


@blp.route("/webhooks/<int(max=2147483647):subscription_id>", endpoint="subscription")
class Subscription(MethodView):
    @blp.response(200, schemas.WebhookSchema)
    def get(self, subscription_id: int) -> dict[str, Any]:
        """One subscription."""
        return _public(_owned(subscription_id))

    @blp.arguments(schemas.WebhookUpdateSchema)
    @blp.response(200, schemas.WebhookSchema)
    def patch(self, body: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """Change the URL, the event types, or pause it (``active: false``)."""
        _owned(subscription_id)
        if "url" in body:
            _checked(body["url"])
        warehouse = api_context().warehouse
        webhooks.update_subscription(warehouse, subscription_id, body)
        return _public(_owned(subscription_id))

    @blp.response(204)
    def delete(self, subscription_id: int) -> None:
        """Remove the subscription and its delivery log."""
        _owned(subscription_id)
        webhooks.delete_subscription(api_context().warehouse, subscription_id)


@blp.route("/webhooks/<int(max=2147483647):subscription_id>/test", endpoint="test", methods=["POST"])
@blp.response(202, schemas.DeliverySchema(many=True))
def test(subscription_id: int) -> list[dict[str, Any]]:
    """Queue a ``webhook.test`` event to this subscription (it must subscribe to ``webhook.test``)."""
    _owned(subscription_id)
    context = api_context()
    ids = webhooks.publish(
        context.warehouse, "webhook.test", {"subscription_id": subscription_id}, context.clock()
    )
    rows = [webhooks.delivery(context.warehouse, i) for i in ids]
    return [_delivery(r) for r in rows if r is not None and r["subscription_id"] == subscription_id]


def _delivery(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plain_row(row).items() if k != "payload"}


@blp.route("/webhooks/deliveries", endpoint="deliveries", methods=["GET"])
@blp.arguments(schemas.DeliveryQuerySchema, location="query")
@blp.response(200, schemas.DeliverySchema(many=True))
def deliveries(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The delivery log, newest first; ``status=dead`` is the dead-letter list."""
    principal = require_roles(*ROLES)
    warehouse = api_context().warehouse
    if args.get("subscription_id") is not None:
        _owned(args["subscription_id"])
    rows = webhooks.deliveries(warehouse, args.get("subscription_id"), args.get("status"), args["limit"])
    if principal.role != "admin":
        mine = {s["subscription_id"] for s in webhooks.subscriptions(warehouse, principal.username)}
        rows = [r for r in rows if r["subscription_id"] in mine]
    return [_delivery(r) for r in rows]


@blp.route("/webhooks/deliveries/<string:delivery_id>/redeliver", endpoint="redeliver", methods=["POST"])
@blp.response(202, schemas.DeliverySchema)
def redeliver(delivery_id: str) -> dict[str, Any]:
    """Send a delivery again from its first attempt (the worker picks it up at once)."""
    require_roles(*ROLES)
    context = api_context()
    found = webhooks.delivery(context.warehouse, delivery_id)
    if found is None:
        abort(404, message="no such delivery")
    assert found is not None  # abort raised otherwise  # nosec B101
    _owned(int(found["subscription_id"]))
    webhooks.redeliver(context.warehouse, delivery_id, context.clock())
    again = webhooks.delivery(context.warehouse, delivery_id)
    assert again is not None  # it was just read  # nosec B101
    return _delivery(again)
