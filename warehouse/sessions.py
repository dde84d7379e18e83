"""Server-side sign-in sessions: started at login, checked on every request, revoked at logout and more.

The signed cookie holds a random token; ``app_session`` keeps only its SHA-256, so a copy of the table
cannot be replayed as cookies. A session ends when it is revoked, idle too long or too old.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import app_session

logger = logging.getLogger(__name__)

TOUCH_INTERVAL = dt.timedelta(minutes=1)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: ``idle`` without requests, ``max_age`` after sign-in."""

    idle: dt.timedelta
    max_age: dt.timedelta


@dataclass(frozen=True)
class ActiveSession:
    """A session row that is still valid."""

    session_id: str
    user_id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    ip: str | None


def session_id(token: str) -> str:
    """The ``app_session`` key of a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    warehouse: Warehouse, user_id: int, ip: str | None, user_agent: str | None, now: dt.datetime
) -> str:
    """Record a new session for ``user_id`` and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    with warehouse.begin() as conn:
        conn.execute(
            app_session.insert().values(
                session_id=session_id(token),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                ip=(ip or "")[:45] or None,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
    return token


def expiry_reason(row: dict[str, object], policy: SessionPolicy, now: dt.datetime) -> str | None:
    """Why the session in ``row`` is over (revoked, idle, expired), or ``None`` while it is valid."""
    if row["revoked_at"] is not None:
        return f"revoked ({row['revoked_reason']})"
    last_seen = cast(dt.datetime, row["last_seen_at"])
    created = cast(dt.datetime, row["created_at"])
    if now - last_seen > policy.idle:
        return "idle"
    if now - created > policy.max_age:
        return "expired"
    return None


def check(
    warehouse: Warehouse, token: str, policy: SessionPolicy, now: dt.datetime, *, activity: bool = True
) -> ActiveSession | None:
    """The valid session of ``token`` (its ``last_seen_at`` brought up to date), or ``None``.

    ``activity=False`` (a page refreshing itself on a timer) checks the session without keeping it alive.
    """
    sid = session_id(token)
    rows = warehouse.rows(sa.select(app_session).where(app_session.c.session_id == sid))
    if not rows:
        return None
    row = rows[0]
    reason = expiry_reason(row, policy, now)
    if reason is not None:
        logger.info("session of user %s refused: %s", row["user_id"], reason)
        return None
    if activity and now - row["last_seen_at"] >= TOUCH_INTERVAL:
        with warehouse.begin() as conn:
            conn.execute(app_session.update().where(app_session.c.session_id == sid).values(last_seen_at=now))
    return ActiveSession(sid, int(row["user_id"]), row["created_at"], now, row["ip"])


def revoke(warehouse: Warehouse, token: str, reason: str, now: dt.datetime) -> None:
    """End the session of ``token`` (logout)."""
    with warehouse.begin() as conn:
        conn.execute(
            app_session.update()
            .where(app_session.c.session_id == session_id(token), app_session.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )


def revoke_user(
    warehouse: Warehouse, user_id: int, reason: str, now: dt.datetime, keep_token: str | None = None
) -> int:
    """End every open session of ``user_id`` except the one of ``keep_token``; returns how many ended."""
    condition = sa.and_(app_session.c.user_id == user_id, app_session.c.revoked_at.is_(None))
    if keep_token is not None:
        condition = sa.and_(condition, app_session.c.session_id != session_id(keep_token))
    with warehouse.begin() as conn:
        ended = conn.execute(
            app_session.update().where(condition).values(revoked_at=now, revoked_reason=reason)
        )
    logger.info("ended %d session(s) of user %s: %s", ended.rowcount, user_id, reason)
    return int(ended.rowcount)


def known_addresses(warehouse: Warehouse, user_id: int) -> set[str]:
    """The client addresses ``user_id`` has signed in from before."""
    rows = warehouse.rows(
        sa.select(app_session.c.ip)
        .where(app_session.c.user_id == user_id, app_session.c.ip.is_not(None))
        .distinct()
    )
    return {str(r["ip"]) for r in rows}


def active_counts(warehouse: Warehouse, policy: SessionPolicy, now: dt.datetime) -> dict[int, int]:
    """How many valid sessions each user has (users without any are left out)."""
    query = (
        sa.select(app_session.c.user_id, sa.func.count().label("n"))
        .where(
            app_session.c.revoked_at.is_(None),
            app_session.c.last_seen_at >= now - policy.idle,
            app_session.c.created_at >= now - policy.max_age,
        )
        .group_by(app_session.c.user_id)
    )
    return {int(r["user_id"]): int(r["n"]) for r in warehouse.rows(query)}
