"""Portal users and roles: the role catalogue, demo users, password checks and the login audit trail.

Passwords are stored as werkzeug hashes (scrypt); a login attempt, good or bad, is written to
``ops_audit_log`` with the username as actor, so an administrator can see who signed in and who tried.
New passwords must be at least 12 characters and not on the shipped list of common passwords.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from warehouse.engine import Warehouse, WarehouseError
from warehouse.schema import app_role, app_user, dim_sales_rep

logger = logging.getLogger(__name__)

ROLES: dict[str, str] = {
    "admin": "Manages users, roles, data sources and platform settings",
    "manager": "Sees every team's sales and customers and exports reports",
    "sales_rep": "Works their own customers, leads and follow-ups",
    "analyst": "Explores sales, customers and model results across the business",
    "marketing": "Plans campaigns and segments and reads their results",
    "data_steward": "Owns data quality, identity matches and data-protection requests",
}
ROLE_LABELS: dict[str, str] = {
    "admin": "Administrator",
    "manager": "Manager",
    "sales_rep": "Sales rep",
    "analyst": "Analyst",
    "marketing": "Marketing",
    "data_steward": "Data steward",
}

#: Roles that may decide whether two records are one customer (the identity review page).
STEWARD_ROLES: frozenset[str] = frozenset({"data_steward", "admin"})

# Checked when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True)
class PortalUser:
    """A signed-in (or loadable) portal user."""

    user_id: int
    username: str
    role: str
    full_name: str
    email: str | None
    rep_key: int | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def can_steward(self) -> bool:
        """May decide identity matches (``STEWARD_ROLES``)."""
        return self.role in STEWARD_ROLES


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _user(row: dict[str, Any]) -> PortalUser:
    return PortalUser(
        user_id=int(row["user_id"]),
        username=str(row["username"]),
        role=str(row["role"]),
        full_name=str(row["full_name"]),
        email=row["email"],
        rep_key=row["rep_key"],
    )


def ensure_roles(warehouse: Warehouse) -> None:
    """Insert any role of :data:`ROLES` that is missing; existing rows are left alone."""
    with warehouse.begin() as conn:
        existing = set(conn.execute(sa.select(app_role.c.name)).scalars())
        missing = [{"name": n, "description": d} for n, d in ROLES.items() if n not in existing]
        if missing:
            conn.execute(app_role.insert(), missing)
            logger.info("created roles %s", ", ".join(r["name"] for r in missing))


def create_user(
    warehouse: Warehouse,
    username: str,
    password: str,
    role: str,
    full_name: str,
    email: str | None = None,
    rep_key: int | None = None,
) -> int:
    """Create an active user and return its id; the role must be one of :data:`ROLES`."""
    if role not in ROLES:
        raise ValueError(f"user {username!r}: role {role!r} is not one of {', '.join(ROLES)}")
    if not password:
        raise ValueError(f"user {username!r}: password must not be empty")
    with warehouse.begin() as conn:
        result = conn.execute(
            app_user.insert().values(
                username=username,
                password_hash=generate_password_hash(password),
                role=role,
                full_name=full_name,
                email=email,
                rep_key=rep_key,
                active=True,
            )
        )
        key = result.inserted_primary_key
        if key is None:
            raise WarehouseError("insert returned no user_id", table="app_user")
        return int(key[0])


def ensure_demo_users(warehouse: Warehouse, password: str) -> list[tuple[str, str]]:
    """Make sure one demo user per role exists (username = role name); returns every demo (username, role).

    Idempotent: existing users keep their password. The ``sales_rep`` user is linked to the first
    sales rep of ``dim_sales_rep`` (by ``rep_key``) when that table has rows, so "my customers" works.
    """
    ensure_roles(warehouse)
    rep = warehouse.rows(
        sa.select(dim_sales_rep.c.rep_key, dim_sales_rep.c.name).order_by(dim_sales_rep.c.rep_key).limit(1)
    )
    rep_key = int(rep[0]["rep_key"]) if rep else None
    existing = {
        r["username"]: r
        for r in warehouse.rows(
            sa.select(app_user.c.username, app_user.c.rep_key).where(app_user.c.username.in_(list(ROLES)))
        )
    }
    for role, label in ROLE_LABELS.items():
        if role not in existing:
            full_name = str(rep[0]["name"]) if role == "sales_rep" and rep else f"Demo {label}"
            create_user(
                warehouse,
                role,
                password,
                role,
                full_name,
                email=f"{role.replace('_', '.')}@demo.miracle.invalid",
                rep_key=rep_key if role == "sales_rep" else None,
            )
            logger.info("created demo user %s", role)
        elif role == "sales_rep" and existing[role]["rep_key"] is None and rep_key is not None:
            with warehouse.begin() as conn:
                conn.execute(app_user.update().where(app_user.c.username == role).values(rep_key=rep_key))
    return [(role, role) for role in ROLES]


def record_audit(
    warehouse: Warehouse,
    actor: str,
    action: str,
    obj: str | None = None,
    detail: str | None = None,
    now: Callable[[], dt.datetime] = _utcnow,
) -> None:
    """Append one row to the hash-chained ``ops_audit_log`` (:func:`warehouse.audit.record`)."""
    from warehouse import audit

    audit.record(warehouse, actor, action, obj, detail, now=now)


def authenticate(
    warehouse: Warehouse,
    username: str,
    password: str,
    source: str | None = None,
    now: Callable[[], dt.datetime] = _utcnow,
) -> PortalUser | None:
    """The active user with this username and password, or ``None``; the attempt is audited either way.

    Args:
        source: where the attempt came from (the client address), kept in the audit detail.
    """
    rows = warehouse.rows(
        sa.select(app_user).where(app_user.c.username == username, app_user.c.active == sa.true())
    )
    stored = str(rows[0]["password_hash"]) if rows else _DUMMY_HASH
    ok = check_password_hash(stored, password) and bool(rows)
    detail = f"from {source}" if source else None
    record_audit(warehouse, username or "(empty)", "login" if ok else "login_failed", "app_user", detail, now)
    if not ok:
        logger.info("login refused for %r", username)
        return None
    return _user(rows[0])


def load_user(warehouse: Warehouse, user_id: int) -> PortalUser | None:
    """The active user with this id (the session loader), or ``None``."""
    rows = warehouse.rows(
        sa.select(app_user).where(app_user.c.user_id == user_id, app_user.c.active == sa.true())
    )
    return _user(rows[0]) if rows else None


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"
MIN_PASSWORD_LENGTH = 12


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords refused whatever their length (lower case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` is too weak for ``username`` (a sentence for the form), or ``None`` if it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
    lowered = password.lower()
    if lowered in common_passwords():
        return "This password is one of the most common ones; choose another."
    if username and username.lower() in lowered:
        return "The password must not contain the username."
    if len(set(password)) < 4:
        return "The password repeats too few characters; choose another."
    return None


def check_password(warehouse: Warehouse, user_id: int, password: str) -> bool:
    """Whether ``password`` is the current password of ``user_id``."""
    stored = warehouse.scalar(sa.select(app_user.c.password_hash).where(app_user.c.user_id == user_id))
    return check_password_hash(str(stored or _DUMMY_HASH), password) and stored is not None


def set_password(warehouse: Warehouse, user_id: int, password: str) -> None:
    """Store a new password for ``user_id`` (strength is checked by the caller with :func:`password_problem`)."""
    if not password:
        raise ValueError(f"user {user_id}: password must not be empty")
    with warehouse.begin() as conn:
        conn.execute(
            app_user.update()
            .where(app_user.c.user_id == user_id)
            .values(password_hash=generate_password_hash(password))
        )


def set_role(warehouse: Warehouse, user_id: int, role: str, rep_key: int | None = None) -> None:
    """Give ``user_id`` another role (and, for a sales rep, the rep they are)."""
    if role not in ROLES:
        raise ValueError(f"user {user_id}: role {role!r} is not one of {', '.join(ROLES)}")
    with warehouse.begin() as conn:
        conn.execute(
            app_user.update()
            .where(app_user.c.user_id == user_id)
            .values(role=role, rep_key=rep_key if role == "sales_rep" else None)
        )


def set_active(warehouse: Warehouse, user_id: int, active: bool) -> None:
    """Deactivate (no sign-in, sessions refused) or reactivate ``user_id``."""
    with warehouse.begin() as conn:
        conn.execute(app_user.update().where(app_user.c.user_id == user_id).values(active=active))


@dataclass(frozen=True)
class UserRow:
    """A user as the accounts page lists it, active or not."""

    user: PortalUser
    active: bool


def list_users(warehouse: Warehouse) -> list[UserRow]:
    """Every user, active or not, by username."""
    rows = warehouse.rows(sa.select(app_user).order_by(app_user.c.username))
    return [UserRow(_user(r), bool(r["active"])) for r in rows]


def find_user(warehouse: Warehouse, user_id: int) -> UserRow | None:
    """The user with this id, active or not."""
    rows = warehouse.rows(sa.select(app_user).where(app_user.c.user_id == user_id))
    return UserRow(_user(rows[0]), bool(rows[0]["active"])) if rows else None
