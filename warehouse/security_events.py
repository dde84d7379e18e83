"""Security events (``sec_event``), the alerts some of them raise, and sign-in throttling and lockout.

Every failed sign-in is an event; so are lockouts, bursts of failures from one address, sign-ins from an
address new for that user, bulk exports, rate limiting, MFA resets and revoked sessions. Alert kinds are
logged at WARNING on the ``security`` logger and, when a webhook is configured, posted to it as JSON.
Throttling reads the same table: no extra state, and a restart forgets nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import app_session, app_user, sec_event

logger = logging.getLogger(__name__)
alert_logger = logging.getLogger("security")

LOGIN_FAILED = "login_failed"
LOCKOUT = "lockout"
BURST = "burst"
NEW_ADDRESS = "new_address"
BULK_EXPORT = "bulk_export"
RATE_LIMITED = "rate_limited"
MFA_RESET = "mfa_reset"
SESSION_REVOKED = "session_revoked"
KINDS: tuple[str, ...] = (
    LOGIN_FAILED,
    LOCKOUT,
    BURST,
    NEW_ADDRESS,
    BULK_EXPORT,
    RATE_LIMITED,
    MFA_RESET,
    SESSION_REVOKED,
)
ALERT_KINDS: frozenset[str] = frozenset({LOCKOUT, BURST, NEW_ADDRESS, BULK_EXPORT, RATE_LIMITED, MFA_RESET})
ADDRESS_EXTRA_FREE = 3  # an address (an office behind one NAT) gets this many more free failures
WEBHOOK_TIMEOUT = 5.0


def _post_json(url: str, body: dict[str, Any]) -> None:
    """POST ``body`` to ``url``; failures are logged, never raised (an alert must not break a sign-in)."""
    if not url.startswith(("https://", "http://")):
        logger.error("security alert webhook %r is not an http(s) URL; alert not sent", url)
        return
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310  # nosec B310 - http(s) only, checked above
            response.read()
    except OSError as e:
        logger.error("security alert webhook %s failed: %s", url, e)


def report(
    warehouse: Warehouse,
    kind: str,
    username: str | None,
    address: str | None,
    detail: str | None,
    now: dt.datetime,
    webhook: str = "",
) -> None:
    """Record one security event; alert kinds also go to the ``security`` logger and the webhook.

    The webhook is posted from a background thread, so the request that raised the alert does not wait.
    """
    with warehouse.begin() as conn:
        conn.execute(
            sec_event.insert().values(
                at=now,
                kind=kind,
                username=(username or None) and username[:80],
                address=(address or None) and address[:45],
                detail=detail,
            )
        )
    if kind not in ALERT_KINDS:
        return
    alert_logger.warning("%s user=%s address=%s %s", kind, username, address, detail or "")
    if webhook:
        body = {
            "at": now.isoformat(),
            "kind": kind,
            "username": username,
            "address": address,
            "detail": detail,
        }
        threading.Thread(target=_post_json, args=(webhook, body), name="security-alert", daemon=True).start()


def list_events(
    warehouse: Warehouse,
    kinds: Iterable[str] = (),
    username: str | None = None,
    address: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest events first, filtered by kind, user, address and time."""
    query = sa.select(sec_event).order_by(sec_event.c.at.desc(), sec_event.c.id.desc()).limit(limit)
    kinds = list(kinds)
    if kinds:
        query = query.where(sec_event.c.kind.in_(kinds))
    if username:
        query = query.where(sec_event.c.username == username)
    if address:
        query = query.where(sec_event.c.address == address)
    if since is not None:
        query = query.where(sec_event.c.at >= since)
    return warehouse.rows(query)


@dataclass(frozen=True)
class LoginPolicy:
    """Sign-in throttling: free failures, the delay cap, and the lockout and burst thresholds."""

    free_failures: int = 2
    max_delay: int = 60
    lockout_failures: int = 10
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    burst_failures: int = 20

    @classmethod
    def from_settings(cls, settings: Any) -> LoginPolicy:
        return cls(
            free_failures=settings.login_free_failures,
            max_delay=settings.login_max_delay_seconds,
            lockout_failures=settings.lockout_failures,
            window=dt.timedelta(minutes=settings.lockout_window_minutes),
            lockout=dt.timedelta(minutes=settings.lockout_minutes),
            burst_failures=settings.burst_failures,
        )


@dataclass(frozen=True)
class LoginVerdict:
    """Whether a sign-in attempt may be checked now; if not, for how many seconds more, and why."""

    wait_seconds: int = 0
    locked: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0

    @property
    def message(self) -> str:
        if self.locked:
            minutes = -(-self.wait_seconds // 60)
            return f"Too many failed sign-ins: this account is locked. Try again in {minutes} min."
        return f"Too many failed sign-ins. Try again in {self.wait_seconds} s."


def delay_seconds(failures: int, free: int, cap: int) -> int:
    """The wait after ``failures`` recent failures: none for the first ``free``, then 1, 2, 4... s up to ``cap``."""
    if failures <= free:
        return 0
    return int(min(2 ** min(failures - free - 1, 30), cap))


def _last_success(warehouse: Warehouse, username: str) -> dt.datetime | None:
    query = (
        sa.select(sa.func.max(app_session.c.created_at))
        .select_from(app_session.join(app_user, app_user.c.user_id == app_session.c.user_id))
        .where(app_user.c.username == username)
    )
    value = warehouse.scalar(query)
    return value if isinstance(value, dt.datetime) else None


def _failures(
    warehouse: Warehouse, column: sa.Column[Any], value: str, since: dt.datetime
) -> tuple[int, dt.datetime | None]:
    query = sa.select(sa.func.count(), sa.func.max(sec_event.c.at)).where(
        sec_event.c.kind == LOGIN_FAILED, column == value, sec_event.c.at > since
    )
    row = warehouse.rows(query)[0]
    values = list(row.values())
    return int(values[0] or 0), values[1]


def _last_lockout(warehouse: Warehouse, username: str, since: dt.datetime) -> dt.datetime | None:
    value = warehouse.scalar(
        sa.select(sa.func.max(sec_event.c.at)).where(
            sec_event.c.kind == LOCKOUT, sec_event.c.username == username, sec_event.c.at > since
        )
    )
    return value if isinstance(value, dt.datetime) else None


def _account_since(warehouse: Warehouse, username: str, policy: LoginPolicy, now: dt.datetime) -> dt.datetime:
    """Failures of an account count from the window start, its last sign-in or its last lockout."""
    starts = [
        now - policy.window,
        _last_success(warehouse, username),
        _last_lockout(warehouse, username, now - policy.window),
    ]
    return max(s for s in starts if s is not None)


def login_verdict(
    warehouse: Warehouse, username: str, address: str | None, policy: LoginPolicy, now: dt.datetime
) -> LoginVerdict:
    """May a sign-in for ``username`` from ``address`` be checked at ``now``? (Locked, or still waiting?)"""
    locked_at = _last_lockout(warehouse, username, now - policy.lockout)
    if locked_at is not None:
        return LoginVerdict(
            wait_seconds=max(1, int((locked_at + policy.lockout - now).total_seconds())), locked=True
        )
    waits = [0]
    count, last = _failures(
        warehouse, sec_event.c.username, username, _account_since(warehouse, username, policy, now)
    )
    if last is not None:
        due = last + dt.timedelta(seconds=delay_seconds(count, policy.free_failures, policy.max_delay))
        waits.append(int(-(-(due - now).total_seconds() // 1)))
    if address:
        count, last = _failures(warehouse, sec_event.c.address, address, now - policy.window)
        if last is not None:
            free = policy.free_failures + ADDRESS_EXTRA_FREE
            due = last + dt.timedelta(seconds=delay_seconds(count, free, policy.max_delay))
            waits.append(int(-(-(due - now).total_seconds() // 1)))
    return LoginVerdict(wait_seconds=max(waits))


def record_failure(
    warehouse: Warehouse,
    username: str,
    address: str | None,
    policy: LoginPolicy,
    now: dt.datetime,
    webhook: str = "",
) -> LoginVerdict:
    """Record a failed sign-in; lock the account or raise a burst alert when a threshold is reached.

    Returns the verdict for the next attempt (so the form can say how long to wait).
    """
    report(warehouse, LOGIN_FAILED, username, address, None, now)
    count, _last = _failures(
        warehouse, sec_event.c.username, username, _account_since(warehouse, username, policy, now)
    )
    if count >= policy.lockout_failures:
        detail = f"{count} failed sign-ins within {int(policy.window.total_seconds() // 60)} min"
        report(warehouse, LOCKOUT, username, address, detail, now, webhook)
    if address:
        from_address, _last = _failures(warehouse, sec_event.c.address, address, now - policy.window)
        if from_address == policy.burst_failures:
            detail = f"{from_address} failed sign-ins from one address within {int(policy.window.total_seconds() // 60)} min"
            report(warehouse, BURST, username, address, detail, now, webhook)
    return login_verdict(warehouse, username, address, policy, now)


def held_back(
    warehouse: Warehouse,
    username: str,
    address: str | None,
    verdict: LoginVerdict,
    policy: LoginPolicy,
    now: dt.datetime,
    webhook: str = "",
) -> None:
    """Note a sign-in attempt refused for throttling: one ``rate_limited`` alert per address and window.

    Attempts during a delay or lockout never reach the password check, so they are not failures; a
    flood of them is still worth an alert, but one, not one per attempt.
    """
    if address:
        recent = warehouse.scalar(
            sa.select(sa.func.count()).where(
                sec_event.c.kind == RATE_LIMITED,
                sec_event.c.address == address,
                sec_event.c.at > now - policy.window,
            )
        )
        if recent:
            return
    state = "locked" if verdict.locked else f"wait {verdict.wait_seconds} s"
    report(warehouse, RATE_LIMITED, username, address, f"sign-in attempts held back ({state})", now, webhook)
