"""The REST API's own tables: refresh-token families, API keys, webhook subscriptions and deliveries."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import LongText, Name, Timestamp, metadata

app_api_token_family = sa.Table(
    "app_api_token_family",  # one per sign-in through the API; revoking it ends every token it issued
    metadata,
    sa.Column("family_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp),
    sa.Column("revoked_reason", sa.String(40)),  # logout, reuse_detected, revoked
    sa.Index(None, "user_id"),
)

app_api_refresh_token = sa.Table(
    "app_api_refresh_token",  # each refresh token works once; its SHA-256 is the id, the token is never kept
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("family_id", sa.String(32), sa.ForeignKey("app_api_token_family.family_id"), nullable=False),
    sa.Column("issued_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("used_at", Timestamp),
    sa.Index(None, "family_id"),
)

app_api_key = sa.Table(
    "app_api_key",  # a service's key: shown once, kept as a SHA-256; it reads with the role it was given
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("name", Name(100), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("role", sa.String(40), sa.ForeignKey("app_role.name"), nullable=False),
    sa.Column("rep_key", sa.Integer),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp),
)

app_api_webhook = sa.Table(
    "app_api_webhook",  # a receiver subscribed to event types; payloads are signed with its secret
    metadata,
    sa.Column("subscription_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("event_types", sa.String(500), nullable=False),  # comma-separated
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("owner", sa.String(80), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

ops_api_delivery = sa.Table(
    "ops_api_delivery",  # one event to one subscriber: retried with backoff, dead after too many failures
    metadata,
    sa.Column("delivery_id", sa.String(32), primary_key=True),
    sa.Column(
        "subscription_id", sa.Integer, sa.ForeignKey("app_api_webhook.subscription_id"), nullable=False
    ),
    sa.Column("event_type", sa.String(60), nullable=False),
    sa.Column("payload", LongText, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending, delivered, dead
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=False),
    sa.Column("last_status", sa.Integer),  # the receiver's last HTTP status; None: no answer
    sa.Column("last_error", sa.Unicode(500)),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("delivered_at", Timestamp),
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "subscription_id"),
)
