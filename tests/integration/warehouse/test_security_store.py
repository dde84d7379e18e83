"""Sessions, security events and second factors on each warehouse dialect (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pyotp
import sqlalchemy as sa

from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse import mfa, security_events, sessions
from warehouse.engine import Warehouse
from warehouse.schema import app_user

NOW = dt.datetime(2026, 12, 5, 9, 0, 0)
POLICY = sessions.SessionPolicy(idle=dt.timedelta(minutes=30), max_age=dt.timedelta(hours=12))


def user_id(warehouse: Warehouse, username: str) -> int:
    return int(warehouse.scalar(sa.select(app_user.c.user_id).where(app_user.c.username == username)))


def test_sessions_end_when_revoked_idle_or_old(warehouse: Warehouse) -> None:
    build_portal_warehouse(str(warehouse.engine.url.render_as_string(hide_password=False)))
    analyst = user_id(warehouse, "analyst")
    kept = sessions.start(warehouse, analyst, "10.0.0.1", "Firefox", NOW)
    other = sessions.start(warehouse, analyst, "10.0.0.2", "Phone", NOW)
    assert sessions.check(warehouse, kept, POLICY, NOW + dt.timedelta(minutes=29)) is not None
    assert sessions.revoke_user(warehouse, analyst, "password_changed", NOW, keep_token=kept) == 1
    assert sessions.check(warehouse, other, POLICY, NOW + dt.timedelta(minutes=1)) is None
    assert sessions.active_counts(warehouse, POLICY, NOW + dt.timedelta(minutes=30)) == {analyst: 1}
    assert sessions.check(warehouse, kept, POLICY, NOW + dt.timedelta(minutes=60)) is None  # idle 31 min
    assert sessions.known_addresses(warehouse, analyst) == {"10.0.0.1", "10.0.0.2"}


def test_failures_lock_an_account_on_every_dialect(warehouse: Warehouse) -> None:
    build_portal_warehouse(str(warehouse.engine.url.render_as_string(hide_password=False)))
    policy = security_events.LoginPolicy()
    when = NOW
    for _ in range(10):
        verdict = security_events.record_failure(warehouse, "manager", "192.0.2.1", policy, when)
        when += dt.timedelta(seconds=61)
    assert verdict.locked and not verdict.allowed
    assert security_events.login_verdict(warehouse, "manager", "192.0.2.9", policy, when).locked
    after = when + dt.timedelta(minutes=15)
    assert security_events.login_verdict(warehouse, "manager", "192.0.2.9", policy, after).allowed
    kinds = [e["kind"] for e in security_events.list_events(warehouse, username="manager")]
    assert kinds.count("login_failed") == 10 and kinds[0] == "lockout"


def test_a_second_factor_on_every_dialect(warehouse: Warehouse) -> None:
    build_portal_warehouse(str(warehouse.engine.url.render_as_string(hide_password=False)))
    admin = user_id(warehouse, "admin")
    key = mfa.cipher("test-secret")
    secret = mfa.begin_enrolment(warehouse, admin, key, NOW)
    totp = pyotp.TOTP(secret)
    codes = mfa.confirm_enrolment(warehouse, admin, totp.at(NOW.replace(tzinfo=dt.UTC)), key, NOW)
    assert codes is not None and mfa.enrolled_users(warehouse) == {admin}
    later = NOW + dt.timedelta(seconds=30)
    assert mfa.verify(warehouse, admin, totp.at(later.replace(tzinfo=dt.UTC)), key, later) == "totp"
    assert mfa.verify(warehouse, admin, totp.at(later.replace(tzinfo=dt.UTC)), key, later) is None  # once
    assert mfa.verify(warehouse, admin, codes[0], key, later) == "recovery"
    assert mfa.verify(warehouse, admin, codes[0], key, later) is None
    assert mfa.remaining_recovery_codes(warehouse, admin) == 9
    mfa.reset(warehouse, admin)
    assert not mfa.is_enrolled(warehouse, admin)
