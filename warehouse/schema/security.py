"""Security: server-side sign-in sessions, security events (intrusion detection) and second factors."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import LongText, Timestamp, metadata

app_session = sa.Table(
    "app_session",  # one row per sign-in; the cookie carries a random token whose SHA-256 is the id
    metadata,
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_seen_at", Timestamp, nullable=False),
    sa.Column("ip", sa.String(45)),
    sa.Column("user_agent", sa.Unicode(300)),
    sa.Column("revoked_at", Timestamp),
    sa.Column(
        "revoked_reason", sa.String(40)
    ),  # logout, password_changed, deactivated, signed_out_everywhere
    sa.Index(None, "user_id"),
)

sec_event = sa.Table(
    "sec_event",  # login failures, lockouts, bursts, new addresses, bulk exports, MFA resets, revocations
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("username", sa.String(80)),
    sa.Column("address", sa.String(45)),
    sa.Column("detail", LongText),
    sa.Index(None, "at"),
    sa.Index(None, "kind", "at"),
    sa.Index(None, "username", "at"),
    sa.Index(None, "address", "at"),
)

app_user_mfa = sa.Table(
    "app_user_mfa",  # a user's TOTP secret (encrypted); enabled_at is set once a first code was right
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.user_id"), primary_key=True),
    sa.Column("secret", sa.String(300), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("enabled_at", Timestamp),
    sa.Column("last_step", sa.BigInteger),  # the last TOTP time step accepted (a code works once)
)

app_recovery_code = sa.Table(
    "app_recovery_code",  # one-time recovery codes, stored as hashes
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
    sa.Column("code_hash", sa.String(300), nullable=False),
    sa.Column("used_at", Timestamp),
    sa.Index(None, "user_id"),
)
