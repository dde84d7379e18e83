"""Signing in (password, then the second factor), signing out, and the session check on every request.

After the password, a user with a second factor is asked for a code; a user whose role requires one
and has none enrols first. Until then the browser session only holds a short-lived "pending" mark.
A full sign-in starts an ``app_session`` row whose token the signed cookie carries.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from auth import csrf, pages
from auth.context import auth_context
from components import ids
from warehouse import mfa, security_events, sessions, users

logger = logging.getLogger(__name__)

LOGIN_ERROR = "login-error"  # flash category shown on the sign-in forms
PENDING = "pending"  # session key: password accepted, second factor still to come
PENDING_TTL = dt.timedelta(minutes=5)
SESSION_TOKEN = "sid"  # nosec B105 - the session key that holds the token, not a secret


class SessionUser(UserMixin):  # type: ignore[misc]
    """The Flask-Login view of a :class:`warehouse.users.PortalUser`."""

    def __init__(self, user: users.PortalUser) -> None:
        self.user = user

    def get_id(self) -> str:
        return str(self.user.user_id)


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything pointing elsewhere becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or parts.path in ("/login", "/logout"):
        return "/"
    return target


def pending() -> tuple[int, str] | None:
    """``(user_id, step)`` while a sign-in waits for its second factor (step ``mfa`` or ``enrol``)."""
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return None
    started = dt.datetime.fromisoformat(str(data.get("at")))
    if auth_context().clock() - started > PENDING_TTL:
        session.pop(PENDING, None)
        return None
    return int(data["user_id"]), str(data["step"])


def session_token() -> str | None:
    """The current request's ``app_session`` token, if any."""
    token = session.get(SESSION_TOKEN)
    return token if isinstance(token, str) else None


def _back_to_login(message: str) -> ResponseReturnValue:
    flash(message, LOGIN_ERROR)
    return redirect("/login", code=303)


def _finish(user: users.PortalUser, how: str) -> str:
    """Complete the sign-in of ``user``: a new server-side session; returns where to go next."""
    context = auth_context()
    target = safe_next(session.pop("next", None))
    session.clear()
    now = context.clock()
    address = request.remote_addr
    known = sessions.known_addresses(context.warehouse, user.user_id)
    token = sessions.start(context.warehouse, user.user_id, address, request.user_agent.string, now)
    if known and address and address not in known:
        security_events.report(
            context.warehouse,
            security_events.NEW_ADDRESS,
            user.username,
            address,
            f"first sign-in from this address; known: {', '.join(sorted(known))}",
            now,
            context.settings.security_alert_webhook,
        )
    login_user(SessionUser(user))
    session[SESSION_TOKEN] = token
    session.permanent = True
    csrf.rotate()
    logger.info("user %s signed in (%s)", user.username, how)
    return target


def _second_factor_or_finish(user: users.PortalUser) -> ResponseReturnValue:
    context = auth_context()
    if mfa.is_enrolled(context.warehouse, user.user_id):
        step = "mfa"
    elif context.mfa_required(user.role):
        mfa.begin_enrolment(context.warehouse, user.user_id, context.cipher, context.clock())
        step = "enrol"
    else:
        return redirect(_finish(user, "password"), code=303)
    target = session.get("next")
    session.clear()
    if target:
        session["next"] = target
    session[PENDING] = {"user_id": user.user_id, "step": step, "at": context.clock().isoformat()}
    csrf.rotate()
    return redirect("/login", code=303)


def _throttled(username: str) -> ResponseReturnValue | None:
    """The refusal when ``username`` (or this address) must wait or is locked, else ``None``."""
    context = auth_context()
    verdict = security_events.login_verdict(
        context.warehouse, username, request.remote_addr, context.login_policy, context.clock()
    )
    if verdict.allowed:
        return None
    logger.info("sign-in of %r from %s held back: %s", username, request.remote_addr, verdict.message)
    security_events.held_back(
        context.warehouse,
        username,
        request.remote_addr,
        verdict,
        context.login_policy,
        context.clock(),
        context.settings.security_alert_webhook,
    )
    return _back_to_login(verdict.message)


def _failed(username: str, message: str) -> ResponseReturnValue:
    context = auth_context()
    after = security_events.record_failure(
        context.warehouse,
        username,
        request.remote_addr,
        context.login_policy,
        context.clock(),
        context.settings.security_alert_webhook,
    )
    return _back_to_login(message if after.allowed else f"{message} {after.message}")


def login_post() -> ResponseReturnValue:
    """Check the password (unless throttled), then ask for the second factor or finish."""
    context = auth_context()
    username = request.form.get("username", "").strip()[:80]
    held = _throttled(username)
    if held is not None:
        return held
    user = users.authenticate(
        context.warehouse,
        username,
        request.form.get("password", ""),
        source=request.remote_addr,
        now=context.clock,
    )
    if user is None:
        return _failed(username, "Wrong username or password.")
    return _second_factor_or_finish(user)


def _pending_user(step: str) -> users.PortalUser | None:
    state = pending()
    if state is None or state[1] != step:
        return None
    return users.load_user(auth_context().warehouse, state[0])


def login_mfa_post() -> ResponseReturnValue:
    """The second step: a TOTP code or a recovery code."""
    context = auth_context()
    user = _pending_user("mfa")
    if user is None:
        return _back_to_login("Your sign-in took too long; start again.")
    held = _throttled(user.username)
    if held is not None:
        return held
    how = mfa.verify(
        context.warehouse, user.user_id, request.form.get("code", ""), context.cipher, context.clock()
    )
    if how is None:
        return _failed(user.username, "That code is not right.")
    if how == "recovery":
        users.record_audit(
            context.warehouse, user.username, "mfa_recovery_code_used", "app_user", now=context.clock
        )
    return redirect(_finish(user, how), code=303)


def enrol_post() -> ResponseReturnValue:
    """Confirm a new second factor with its first code; answers the recovery codes, shown once."""
    context = auth_context()
    signed_in = current_user.is_authenticated
    user = current_user.user if signed_in else _pending_user("enrol")
    if user is None:
        return _back_to_login("Your sign-in took too long; start again.")
    codes = mfa.confirm_enrolment(
        context.warehouse, user.user_id, request.form.get("code", ""), context.cipher, context.clock()
    )
    if codes is None:
        if signed_in:
            flash("That code is not right; try the next one your app shows.", "account-error")
            return redirect("/account", code=303)
        return _failed(user.username, "That code is not right; try the next one your app shows.")
    users.record_audit(
        context.warehouse, user.username, "mfa_enrolled", f"app_user:{user.username}", now=context.clock
    )
    target = "/account" if signed_in else _finish(user, "enrolment")
    return Response(pages.recovery_codes_page(codes, target), mimetype="text/html")


def logout_get() -> ResponseReturnValue:
    """A page asking to confirm: signing out is a POST, so a link elsewhere cannot sign anyone out."""
    if not current_user.is_authenticated:
        return redirect("/login", code=303)
    return Response(pages.sign_out_page(csrf.token()), mimetype="text/html")


def logout_post() -> ResponseReturnValue:
    """End the session, here and on the server."""
    context = auth_context()
    token = session_token()
    if current_user.is_authenticated:
        users.record_audit(
            context.warehouse, current_user.user.username, "logout", "app_user", now=context.clock
        )
    if token is not None:
        sessions.revoke(context.warehouse, token, "logout", context.clock())
    logout_user()
    session.clear()
    return redirect("/login", code=303)


def _timer_refresh() -> bool:
    """Whether this request is the live tiles' timer (a Dash callback writing the live store), not the user."""
    if request.path != "/_dash-update-component":
        return False
    body = request.get_json(silent=True)
    return isinstance(body, dict) and ids.LIVE_KPI_STORE in str(body.get("output", ""))


def register(server: Flask) -> None:
    """Flask-Login backed by ``app_session`` and the sign-in/out views."""
    login_manager = LoginManager(server)

    @login_manager.user_loader  # type: ignore[untyped-decorator]
    def load(user_id: str) -> SessionUser | None:
        token = session_token()
        if not user_id.isdigit() or token is None:
            return None
        context = auth_context()
        active = sessions.check(
            context.warehouse, token, context.session_policy, context.clock(), activity=not _timer_refresh()
        )
        user = users.load_user(context.warehouse, int(user_id)) if active else None
        if active is None or user is None or active.user_id != user.user_id:
            for key in (SESSION_TOKEN, "_user_id", "_fresh", "_id"):
                session.pop(key, None)
            return None
        return SessionUser(user)

    rules: list[tuple[str, str, Any]] = [
        ("/login", "POST", login_post),
        ("/login/mfa", "POST", login_mfa_post),
        ("/mfa/enrol", "POST", enrol_post),
        ("/logout", "GET", logout_get),
        ("/logout", "POST", logout_post),
    ]
    for rule, method, view in rules:
        server.add_url_rule(rule, f"auth_{view.__name__}", view, methods=[method])
