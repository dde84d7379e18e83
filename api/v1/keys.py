"""API keys for services: ``c360_<key id>_<secret>``, shown once at creation and kept only as a SHA-256.

A key reads with the role (and, for a sales-rep key, the rep) it was created with, under the same
row scope and masking as a portal user of that role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Any

import sqlalchemy as sa

from api.v1.tokens import Principal
from warehouse.engine import Warehouse
from warehouse.schema import app_api_key
from warehouse.users import ROLES

logger = logging.getLogger(__name__)

PREFIX = "c360_"
PUBLIC_COLUMNS = ("key_id", "name", "role", "rep_key", "created_by", "created_at", "revoked_at")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(
    warehouse: Warehouse, name: str, role: str, rep_key: int | None, created_by: str, now: dt.datetime
) -> tuple[dict[str, Any], str]:
    """A new key: its stored row and the key text, which is never shown again."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = {
        "key_id": key_id,
        "name": name,
        "role": role,
        "rep_key": rep_key,
        "created_by": created_by,
        "created_at": now,
    }
    with warehouse.begin() as conn:
        conn.execute(app_api_key.insert().values(**row, key_hash=_hash(secret)))
    logger.info("api key %s (%s, role %s) created by %s", key_id, name, role, created_by)
    return row | {"revoked_at": None}, f"{PREFIX}{key_id}_{secret}"


def key_principal(warehouse: Warehouse, text: str) -> Principal | None:
    """The service a key text belongs to, when the key exists and is not revoked."""
    if not text.startswith(PREFIX):
        return None
    key_id, sep, secret = text.removeprefix(PREFIX).partition("_")
    if not sep or not key_id or not secret:
        return None
    k = app_api_key
    rows = warehouse.rows(sa.select(k).where(k.c.key_id == key_id, k.c.revoked_at.is_(None)))
    if not rows or not hmac.compare_digest(str(rows[0]["key_hash"]), _hash(secret)):
        return None
    r = rows[0]
    return Principal(f"key:{key_id}", f"apikey:{r['name']}", str(r["role"]), r["rep_key"])


def list_keys(warehouse: Warehouse) -> list[dict[str, Any]]:
    k = app_api_key
    return warehouse.rows(sa.select(*(k.c[c] for c in PUBLIC_COLUMNS)).order_by(k.c.created_at, k.c.key_id))


def revoke_key(warehouse: Warehouse, key_id: str, now: dt.datetime) -> bool:
    """Revoke a key; False when there is no such unrevoked key."""
    k = app_api_key
    with warehouse.begin() as conn:
        done = conn.execute(
            k.update().where(k.c.key_id == key_id, k.c.revoked_at.is_(None)).values(revoked_at=now)
        ).rowcount
    return bool(done)
