"""Webhooks: subscriptions per event type, signed deliveries, retries with backoff, dead letters.

Signature scheme (docs/api.md): each POST carries ``X-C360-Signature: t=<unix seconds>,v1=<hex>``
where ``hex = HMAC-SHA256(secret, f"{t}.{body}")``, plus ``X-C360-Delivery`` (the delivery id: the
same on every retry, so a receiver deduplicates by it) and ``X-C360-Event``. A receiver refuses a
timestamp older than the replay window (:func:`verify_signature`). A delivery that fails is retried
after ``backoff * 2**(attempts-1)`` seconds; after ``max_attempts`` failures it is dead (the
dead-letter list) until someone redelivers it. Calls to a receiver go through its host's circuit breaker.
Before each call the URL is checked again (``api.v1.urlguard``: public addresses only, unless allowed), the call
connects to the address that check approved (``api.v1.pinned``: no second lookup), and redirects are not
followed, so a receiver's name or answer cannot steer a delivery into the firm's network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from api.v1 import pinned
from api.v1.breaker import Breakers, CircuitOpen
from api.v1.urlguard import AllowList, RefusedURL, Resolver, addresses_of, check_url, resolve
from warehouse.engine import Warehouse, WarehouseError
from warehouse.schema import app_api_webhook, ops_api_delivery

logger = logging.getLogger(__name__)

EVENT_TYPES: tuple[str, ...] = (
    "lead.created",
    "lead.updated",
    "interaction.created",
    "alert.raised",
    "webhook.test",
)
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
SIGNATURE_HEADER = "X-C360-Signature"
DELIVERY_HEADER = "X-C360-Delivery"
EVENT_HEADER = "X-C360-Event"


# --- signatures (pure) -------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, now: float, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance`` s of ``now``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def backoff(attempts: int, base: float) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2·base, 4·base ..."""
    return float(base * 2 ** max(0, attempts - 1))


# --- subscriptions -------------------------------------------------------------------------------------


def create_subscription(
    warehouse: Warehouse, url: str, event_types: list[str], owner: str, now: dt.datetime
) -> dict[str, Any]:
    """A new subscription with a fresh signing secret (returned once, in the answer to its creation)."""
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}")
    row = {
        "url": url,
        "event_types": ",".join(sorted(set(event_types))),
        "secret": f"whsec_{secrets.token_urlsafe(24)}",
        "owner": owner,
        "active": True,
        "created_at": now,
    }
    with warehouse.begin() as conn:
        key = conn.execute(app_api_webhook.insert().values(**row)).inserted_primary_key
    return _subscription(row | {"subscription_id": int(key[0])})  # type: ignore[index]


def _subscription(row: Mapping[str, Any]) -> dict[str, Any]:
    return dict(row) | {"event_types": [t for t in str(row["event_types"]).split(",") if t]}


def subscriptions(warehouse: Warehouse, owner: str | None = None) -> list[dict[str, Any]]:
    """Every subscription (of ``owner`` when given), oldest first."""
    w = app_api_webhook
    query = sa.select(w).order_by(w.c.subscription_id)
    if owner is not None:
        query = query.where(w.c.owner == owner)
    return [_subscription(r) for r in warehouse.rows(query)]


def subscription(warehouse: Warehouse, subscription_id: int) -> dict[str, Any] | None:
    rows = warehouse.rows(
        sa.select(app_api_webhook).where(app_api_webhook.c.subscription_id == subscription_id)
    )
    return _subscription(rows[0]) if rows else None


def update_subscription(warehouse: Warehouse, subscription_id: int, changes: Mapping[str, Any]) -> None:
    values = dict(changes)
    if "event_types" in values:
        unknown = sorted(set(values["event_types"]) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}")
        values["event_types"] = ",".join(sorted(set(values["event_types"])))
    if values:
        with warehouse.begin() as conn:
            conn.execute(
                app_api_webhook.update()
                .where(app_api_webhook.c.subscription_id == subscription_id)
                .values(**values)
            )


def delete_subscription(warehouse: Warehouse, subscription_id: int) -> None:
    """Remove a subscription and its delivery log."""
    with warehouse.begin() as conn:
        conn.execute(ops_api_delivery.delete().where(ops_api_delivery.c.subscription_id == subscription_id))
        conn.execute(app_api_webhook.delete().where(app_api_webhook.c.subscription_id == subscription_id))


# --- deliveries ----------------------------------------------------------------------------------------


def publish(
    warehouse: Warehouse,
    event_type: str,
    data: Mapping[str, Any],
    now: dt.datetime,
    event_key: str | None = None,
) -> list[str]:
    """Queue ``event_type`` with ``data`` for every active subscriber to it; returns the new delivery ids.

    With an ``event_key`` (an alert id ...) the delivery id is derived from it, so the same event
    published again, by this process or another, is queued once per subscriber.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    w, d = app_api_webhook, ops_api_delivery
    subscribers = warehouse.rows(
        sa.select(w.c.subscription_id, w.c.event_types).where(w.c.active == sa.true())
    )
    ids: list[str] = []
    for sub in subscribers:
        if event_type not in str(sub["event_types"]).split(","):
            continue
        if event_key is None:
            delivery_id = secrets.token_hex(16)
        else:
            seed = f"{sub['subscription_id']}|{event_type}|{event_key}".encode()
            delivery_id = hashlib.sha256(seed).hexdigest()[:32]
        body = {
            "id": delivery_id,
            "type": event_type,
            "created_at": now.isoformat() + "Z",
            "data": dict(data),
        }
        row = {
            "delivery_id": delivery_id,
            "subscription_id": sub["subscription_id"],
            "event_type": event_type,
            "payload": json.dumps(body, sort_keys=True, default=str),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        try:
            with warehouse.begin() as conn:
                if (
                    event_key is not None
                    and conn.execute(
                        sa.select(sa.func.count()).where(d.c.delivery_id == delivery_id)
                    ).scalar()
                ):
                    continue
                conn.execute(d.insert().values(**row))
        except WarehouseError:
            if event_key is None:
                raise
            continue  # another process queued the same event first
        ids.append(delivery_id)
    return ids


class AlertForwarder(threading.Thread):
    """Publishes each new alert of the live board as ``alert.raised`` (once, whichever process sees it)."""

    def __init__(
        self,
        warehouse: Warehouse,
        alerts: Callable[[], list[dict[str, Any]]],
        clock: Callable[[], dt.datetime],
        interval: float = 1.0,
    ) -> None:
        super().__init__(name="webhook-alerts", daemon=True)
        self.warehouse, self.alerts, self.clock, self.interval = warehouse, alerts, clock, interval
        self._sent: set[str] = set()
        self._stop_event = threading.Event()

    def forward(self) -> int:
        """Publish the alerts not forwarded yet; returns how many were new."""
        new = [a for a in self.alerts() if str(a.get("alert_id")) not in self._sent]
        for alert in new:
            publish(self.warehouse, "alert.raised", alert, self.clock(), event_key=str(alert["alert_id"]))
            self._sent.add(str(alert["alert_id"]))
        return len(new)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.forward()
            except Exception:
                logger.exception("forwarding alerts to webhooks failed")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()


def deliveries(
    warehouse: Warehouse, subscription_id: int | None = None, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The delivery log, newest first."""
    d = ops_api_delivery
    query = sa.select(d).order_by(d.c.created_at.desc(), d.c.delivery_id).limit(limit)
    if subscription_id is not None:
        query = query.where(d.c.subscription_id == subscription_id)
    if status is not None:
        query = query.where(d.c.status == status)
    return warehouse.rows(query)


def delivery(warehouse: Warehouse, delivery_id: str) -> dict[str, Any] | None:
    rows = warehouse.rows(sa.select(ops_api_delivery).where(ops_api_delivery.c.delivery_id == delivery_id))
    return rows[0] if rows else None


def redeliver(warehouse: Warehouse, delivery_id: str, now: dt.datetime) -> bool:
    """Send a delivery again from its first attempt (a dead letter, or one a receiver lost)."""
    d = ops_api_delivery
    with warehouse.begin() as conn:
        done = conn.execute(
            d.update()
            .where(d.c.delivery_id == delivery_id)
            .values(status=PENDING, attempts=0, next_attempt_at=now, last_error=None)
        ).rowcount
    return bool(done)


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 6
    backoff_seconds: float = 2.0
    timeout_seconds: float = 5.0
    allowed: AllowList = (
        AllowList()
    )  # hosts that may be called although not public (C360_WEBHOOK_ALLOWED_HOSTS)
    ca_bundle: str | None = None  # certificates trusted for https receivers (None: certifi's public roots)


def checked_address(url: str, allowed: AllowList, resolver: Resolver) -> pinned.IPAddress:
    """The address a delivery connects to: one that :func:`check_url` approved in this very lookup (a host
    allowed by name is looked up once, unchecked, as its administrator allowed it)."""
    addresses = check_url(url, allowed, resolver)
    if not addresses:
        host = (urlsplit(url).hostname or "").rstrip(".")
        port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
        addresses = addresses_of(host, port, resolver)
    return addresses[0]


def attempt(
    warehouse: Warehouse,
    delivery_id: str,
    now: dt.datetime,
    policy: DeliveryPolicy,
    breakers: Breakers,
    resolver: Resolver = resolve,
) -> str:
    """Try one delivery once; returns its status afterwards (pending, delivered or dead)."""
    d, w = ops_api_delivery, app_api_webhook
    rows = warehouse.rows(
        sa.select(d, w.c.url, w.c.secret)
        .join(w, w.c.subscription_id == d.c.subscription_id)
        .where(d.c.delivery_id == delivery_id)
    )
    if not rows or rows[0]["status"] != PENDING:
        return str(rows[0]["status"]) if rows else DEAD
    row = rows[0]
    body = str(row["payload"]).encode("utf-8")
    breaker = breakers.get(urlsplit(str(row["url"])).netloc)
    status: int | None = None
    try:
        # again: the name may resolve elsewhere than it did, and the call goes where this check says
        address = checked_address(str(row["url"]), policy.allowed, resolver)
        breaker.before_call()
        status = pinned.post(
            str(row["url"]),
            address,
            body,
            {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(str(row["secret"]), int(time.time()), body),
                DELIVERY_HEADER: delivery_id,
                EVENT_HEADER: str(row["event_type"]),
            },
            policy.timeout_seconds,
            policy.ca_bundle,
        )  # a redirect is an answer (3xx, a failure), never a second request
        ok, error = 200 <= status < 300, None if 200 <= status < 300 else f"HTTP {status}"
        breaker.record(ok)
    except RefusedURL as e:
        logger.warning("webhook delivery %s refused: %s", delivery_id, e)
        ok, error = False, f"refused: {e}"[:500]
    except CircuitOpen as e:
        ok, error = False, str(e)
    except pinned.DeliveryFailed as e:
        breaker.record(False)
        ok, error = False, str(e)[:500]
    attempts = int(row["attempts"]) + 1
    if ok:
        values: dict[str, Any] = {
            "status": DELIVERED,
            "delivered_at": now,
            "attempts": attempts,
            "last_status": status,
            "last_error": None,
        }
    elif attempts >= policy.max_attempts:
        values = {"status": DEAD, "attempts": attempts, "last_status": status, "last_error": error}
        logger.warning("webhook delivery %s dead after %d attempts: %s", delivery_id, attempts, error)
    else:
        wait = dt.timedelta(seconds=backoff(attempts, policy.backoff_seconds))
        values = {
            "attempts": attempts,
            "next_attempt_at": now + wait,
            "last_status": status,
            "last_error": error,
        }
    with warehouse.begin() as conn:
        conn.execute(d.update().where(d.c.delivery_id == delivery_id).values(**values))
    return str(values.get("status", PENDING))


def deliver(
    warehouse: Warehouse,
    delivery_id: str,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], None],
    policy: DeliveryPolicy,
    breakers: Breakers,
    resolver: Resolver = resolve,
) -> str:
    """Deliver one event now, waiting out the backoff between attempts; returns delivered or dead."""
    while True:
        status = attempt(warehouse, delivery_id, clock(), policy, breakers, resolver)
        if status != PENDING:
            return status
        row = delivery(warehouse, delivery_id)
        if row is None:
            return DEAD
        sleep(max(backoff(int(row["attempts"]), policy.backoff_seconds), 0.0))


def deliver_due(
    warehouse: Warehouse,
    now: dt.datetime,
    policy: DeliveryPolicy,
    breakers: Breakers,
    resolver: Resolver = resolve,
) -> int:
    """One attempt of every pending delivery that is due; returns how many were tried."""
    d = ops_api_delivery
    due = warehouse.rows(
        sa.select(d.c.delivery_id, d.c.next_attempt_at)
        .where(d.c.status == PENDING, d.c.next_attempt_at <= now)
        .order_by(d.c.next_attempt_at)
        .limit(100)
    )
    tried = 0
    for row in due:
        claim = now + dt.timedelta(seconds=policy.timeout_seconds * 2)  # no other worker takes it meanwhile
        with warehouse.begin() as conn:
            taken = conn.execute(
                d.update()
                .where(
                    d.c.delivery_id == row["delivery_id"],
                    d.c.next_attempt_at == row["next_attempt_at"],
                    d.c.status == PENDING,
                )
                .values(next_attempt_at=claim)
            ).rowcount
        if taken:
            attempt(warehouse, str(row["delivery_id"]), now, policy, breakers, resolver)
            tried += 1
    return tried


class DeliveryWorker(threading.Thread):
    """Tries due deliveries every ``interval`` seconds until stopped."""

    def __init__(
        self,
        warehouse: Warehouse,
        policy: DeliveryPolicy,
        clock: Callable[[], dt.datetime],
        interval: float = 1.0,
        breakers: Breakers | None = None,
    ) -> None:
        super().__init__(name="webhook-delivery", daemon=True)
        self.warehouse, self.policy, self.clock, self.interval = warehouse, policy, clock, interval
        self.breakers = breakers or Breakers()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                deliver_due(self.warehouse, self.clock(), self.policy, self.breakers)
            except Exception:
                logger.exception("webhook delivery round failed")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
