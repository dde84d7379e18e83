"""Access tokens (JWT, HS256, with a key id so keys rotate), refresh tokens with rotation and reuse detection.

An access token lives ``api_access_minutes``; it names its refresh-token family (``fam``), and a revoked
family ends its access tokens at once. A refresh token works once: using it gives a new one in the same
family; presenting a used one again means it was stolen, and the whole family is revoked.
Only ``HS256`` is accepted, with a known ``kid``: ``alg=none`` and tokens signed with any other key fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import sqlalchemy as sa

from settings import Settings
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.schema import app_api_refresh_token, app_api_token_family, app_user
from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "customer360"
AUDIENCE = "customer360-api"
DERIVED_KID = "k0"
VERIFIED_TOKENS = 4096  # access tokens whose signature a key set remembers having checked


class TokenError(Exception):
    """A token is missing, malformed, expired, forged or revoked; the message says which."""


@dataclass(frozen=True)
class KeySet:
    """Signing keys by id; tokens are signed with ``current`` and verified with any key still listed."""

    keys: Mapping[str, bytes]
    current: str
    verified: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str) -> KeySet:
        """``"kid1:secret1,kid2:secret2"``: the first signs, every one verifies."""
        keys: dict[str, bytes] = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            kid, sep, secret = part.partition(":")
            if not sep or not kid or len(secret) < 32:
                raise ValueError(f"api_jwt_keys: entry {kid!r} needs the form kid:secret with 32+ characters")
            keys[kid] = secret.encode("utf-8")
        if not keys:
            raise ValueError("api_jwt_keys: no key")
        return cls(keys, next(iter(keys)))


def key_set(settings: Settings, secret_key: str) -> KeySet:
    """The configured keys, else one derived from the portal's secret key."""
    configured = settings.api_jwt_keys.get_secret_value()
    if configured:
        return KeySet.parse(configured)
    derived = hmac.new(secret_key.encode("utf-8"), b"customer360 api access tokens", hashlib.sha256).digest()
    return KeySet({DERIVED_KID: derived}, DERIVED_KID)


@dataclass(frozen=True)
class Principal:
    """Who calls the API: a portal user (through a token family) or a service (through an API key)."""

    subject: str  # user:<id> or key:<key_id>
    username: str
    role: str
    rep_key: int | None = None
    family_id: str | None = None

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.username, self.role, self.rep_key)


def _timestamp(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def issue_access(keys: KeySet, user: PortalUser, family_id: str, now: dt.datetime, minutes: int) -> str:
    """A signed access token for ``user`` in ``family_id``, valid ``minutes`` from ``now`` (naive UTC)."""
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"user:{user.user_id}",
        "name": user.username,
        "role": user.role,
        "rep": user.rep_key,
        "fam": family_id,
        "iat": _timestamp(now),
        "exp": _timestamp(now + dt.timedelta(minutes=minutes)),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, keys.keys[keys.current], algorithm=ALGORITHM, headers={"kid": keys.current})


def verify_access(keys: KeySet, token: str, now: dt.datetime) -> dict[str, Any]:
    """The claims of a valid access token at ``now``; :class:`TokenError` for anything else.

    A token whose signature, algorithm, key, issuer and audience held once is remembered by ``keys``
    (up to ``VERIFIED_TOKENS``), so a client's next calls skip the signature check; expiry is checked
    at every call, and revocation by the caller (:func:`cached_family_user`).
    """
    claims = keys.verified.get(token)
    if claims is None:
        claims = _verified_claims(keys, token)
        if len(keys.verified) >= VERIFIED_TOKENS:
            keys.verified.clear()
        keys.verified[token] = claims
    if int(claims["exp"]) <= _timestamp(now):
        raise TokenError("token expired")
    return dict(claims)


def _verified_claims(keys: KeySet, token: str) -> dict[str, Any]:
    """The claims of ``token`` once its algorithm, key id, signature, issuer and audience hold."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as e:
        raise TokenError("malformed token") from e
    if header.get("alg") != ALGORITHM:
        raise TokenError(f"algorithm {header.get('alg')!r} is not accepted")
    key = keys.keys.get(str(header.get("kid")))
    if key is None:
        raise TokenError("unknown signing key")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "fam"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as e:
        raise TokenError(f"invalid token: {e}") from e
    return claims


# --- refresh tokens ---------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_refresh(conn: sa.Connection, family_id: str, now: dt.datetime, days: int) -> str:
    token = f"rt_{secrets.token_urlsafe(32)}"
    conn.execute(
        app_api_refresh_token.insert().values(
            token_hash=_hash(token),
            family_id=family_id,
            issued_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    return token


def start_family(warehouse: Warehouse, user: PortalUser, now: dt.datetime, days: int) -> tuple[str, str]:
    """A new token family for a sign-in; returns its id and its first refresh token."""
    family_id = secrets.token_hex(16)
    with warehouse.begin() as conn:
        conn.execute(
            app_api_token_family.insert().values(family_id=family_id, user_id=user.user_id, created_at=now)
        )
        return family_id, _new_refresh(conn, family_id, now, days)


def revoke_family(warehouse: Warehouse, family_id: str, reason: str, now: dt.datetime) -> bool:
    """Revoke a family (and so every token it issued); False when it was already revoked or is unknown."""
    f = app_api_token_family
    with warehouse.begin() as conn:
        result = conn.execute(
            f.update()
            .where(f.c.family_id == family_id, f.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
    forget_family(family_id)
    if result.rowcount:
        logger.info("api token family %s revoked: %s", family_id, reason)
    return bool(result.rowcount)


def rotate(warehouse: Warehouse, refresh_token: str, now: dt.datetime, days: int) -> tuple[str, str]:
    """Use ``refresh_token`` once: returns its family and the next refresh token.

    A used token presented again revokes its family (the token was copied); expired, unknown and
    revoked tokens raise :class:`TokenError`.
    """
    t, f = app_api_refresh_token, app_api_token_family
    with warehouse.begin() as conn:
        row = (
            conn.execute(
                sa.select(t.c.family_id, t.c.expires_at, t.c.used_at, f.c.revoked_at)
                .join(f, f.c.family_id == t.c.family_id)
                .where(t.c.token_hash == _hash(refresh_token))
            )
            .mappings()
            .first()
        )
        if row is None:
            raise TokenError("unknown refresh token")
        family_id = str(row["family_id"])
        if row["revoked_at"] is not None:
            raise TokenError("refresh token revoked")
        if row["expires_at"] <= now:
            raise TokenError("refresh token expired")
        claimed = conn.execute(
            t.update()
            .where(t.c.token_hash == _hash(refresh_token), t.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if claimed:
            return family_id, _new_refresh(conn, family_id, now, days)
    revoke_family(warehouse, family_id, "reuse_detected", now)
    logger.warning("api: refresh token of family %s used twice; the family is revoked", family_id)
    raise TokenError("refresh token already used: every token of this sign-in is revoked")


def family_user(warehouse: Warehouse, family_id: str) -> PortalUser | None:
    """The active user of an unrevoked family, else None."""
    f, u = app_api_token_family, app_user
    rows = warehouse.rows(
        sa.select(u.c.user_id, u.c.username, u.c.role, u.c.full_name, u.c.email, u.c.rep_key)
        .join(f, f.c.user_id == u.c.user_id)
        .where(f.c.family_id == family_id, f.c.revoked_at.is_(None), u.c.active == sa.true())
    )
    if not rows:
        return None
    r = rows[0]
    return PortalUser(
        int(r["user_id"]), str(r["username"]), str(r["role"]), str(r["full_name"]), r["email"], r["rep_key"]
    )


_FAMILY_SECONDS = 5.0  # how long another process may still accept a token after its family was revoked
_families: dict[tuple[int, str], tuple[float, PortalUser | None]] = {}
_families_lock = threading.Lock()


def cached_family_user(warehouse: Warehouse, family_id: str) -> PortalUser | None:
    """:func:`family_user`, remembered for a few seconds (asked on every call); a revocation in this
    process takes effect at once, one in another process within ``_FAMILY_SECONDS``."""
    key = (id(warehouse), family_id)
    with _families_lock:
        cached = _families.get(key)
    if cached is not None and time.monotonic() - cached[0] < _FAMILY_SECONDS:
        return cached[1]
    user = family_user(warehouse, family_id)
    with _families_lock:
        if len(_families) > 10_000:
            _families.clear()
        _families[key] = (time.monotonic(), user)
    return user


def forget_family(family_id: str) -> None:
    with _families_lock:
        for key in [k for k in _families if k[1] == family_id]:
            del _families[key]


def principal_of(user: PortalUser, family_id: str) -> Principal:
    return Principal(f"user:{user.user_id}", user.username, user.role, user.rep_key, family_id)
