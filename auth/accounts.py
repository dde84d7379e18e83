"""Account changes posted from the portal's forms: one's own password and second factor, and the
administrators' user management. Every change is written to the audit log.

A password change ends the user's other sessions; deactivating a user, resetting their second factor
and "sign out everywhere" end all of theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, abort, flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from auth.context import auth_context
from auth.views import session_token
from warehouse import mfa, security_events, sessions, users

logger = logging.getLogger(__name__)

ACCOUNT_MESSAGE = "account-message"  # flash categories read by the account and users pages
ACCOUNT_ERROR = "account-error"
ADMIN_MESSAGE = "admin-message"
ADMIN_ERROR = "admin-error"
USERS_PAGE = "/admin/users"


def _me() -> users.PortalUser:
    if not current_user.is_authenticated:
        abort(401)
    user: users.PortalUser = current_user.user
    return user


def change_password() -> ResponseReturnValue:
    """Change one's own password: the current one is required; other sessions end."""
    context = auth_context()
    me = _me()
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    if not users.check_password(context.warehouse, me.user_id, current):
        flash("The current password is not right.", ACCOUNT_ERROR)
        return redirect("/account", code=303)
    if new != request.form.get("confirm_password", ""):
        flash("The new password and its confirmation differ.", ACCOUNT_ERROR)
        return redirect("/account", code=303)
    problem = users.password_problem(new, me.username)
    if problem:
        flash(problem, ACCOUNT_ERROR)
        return redirect("/account", code=303)
    users.set_password(context.warehouse, me.user_id, new)
    ended = sessions.revoke_user(
        context.warehouse, me.user_id, "password_changed", context.clock(), keep_token=session_token()
    )
    users.record_audit(
        context.warehouse,
        me.username,
        "password_changed",
        f"app_user:{me.username}",
        f"{ended} other session(s) ended",
        context.clock,
    )
    flash(f"Password changed. {ended} other session(s) signed out.", ACCOUNT_MESSAGE)
    return redirect("/account", code=303)


def start_mfa() -> ResponseReturnValue:
    """Begin enrolling a second factor (the account page then shows its QR code)."""
    context = auth_context()
    me = _me()
    if mfa.is_enrolled(context.warehouse, me.user_id):
        flash("Two-step sign-in is already on.", ACCOUNT_ERROR)
    else:
        mfa.begin_enrolment(context.warehouse, me.user_id, context.cipher, context.clock())
    return redirect("/account", code=303)


def _admin() -> users.PortalUser:
    me = _me()
    if me.role != "admin":
        logger.warning("user %s (%s) tried an administrator action %s", me.username, me.role, request.path)
        abort(403)
    return me


def _done(message: str) -> ResponseReturnValue:
    flash(message, ADMIN_MESSAGE)
    return redirect(USERS_PAGE, code=303)


def _refuse(message: str) -> ResponseReturnValue:
    flash(message, ADMIN_ERROR)
    return redirect(USERS_PAGE, code=303)


def _rep_key(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def create_user() -> ResponseReturnValue:
    """Create a user with a role and a first password (which they change after signing in)."""
    context = auth_context()
    admin = _admin()
    form = request.form
    username = form.get("username", "").strip().lower()
    role = form.get("role", "")
    password = form.get("password", "")
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        return _refuse("A username is letters, digits, dots, dashes and underscores.")
    if role not in users.ROLES:
        return _refuse(f"Choose one of the roles: {', '.join(users.ROLE_LABELS.values())}.")
    problem = users.password_problem(password, username)
    if problem:
        return _refuse(problem)
    if any(row.user.username == username for row in users.list_users(context.warehouse)):
        return _refuse(f"There is already a user called {username}.")
    rep_key = _rep_key(form.get("rep_key", "")) if role == "sales_rep" else None
    users.create_user(
        context.warehouse,
        username,
        password,
        role,
        form.get("full_name", "").strip() or username,
        email=form.get("email", "").strip() or None,
        rep_key=rep_key,
    )
    users.record_audit(
        context.warehouse,
        admin.username,
        "user_created",
        f"app_user:{username}",
        f"role {role}",
        context.clock,
    )
    return _done(f"Created {username} ({users.ROLE_LABELS[role]}).")


def _target(user_id: int) -> users.UserRow:
    row = users.find_user(auth_context().warehouse, user_id)
    if row is None:
        abort(404)
    return row


def change_role(user_id: int) -> ResponseReturnValue:
    context = auth_context()
    admin = _admin()
    row = _target(user_id)
    role = request.form.get("role", "")
    if role not in users.ROLES:
        return _refuse(f"Choose one of the roles: {', '.join(users.ROLE_LABELS.values())}.")
    if row.user.user_id == admin.user_id and role != "admin":
        return _refuse("You cannot take the administrator role from yourself.")
    rep_key = _rep_key(request.form.get("rep_key", "")) if role == "sales_rep" else None
    users.set_role(context.warehouse, user_id, role, rep_key)
    users.record_audit(
        context.warehouse,
        admin.username,
        "role_changed",
        f"app_user:{row.user.username}",
        f"{row.user.role} -> {role}",
        context.clock,
    )
    return _done(f"{row.user.username} is now {users.ROLE_LABELS[role]}.")


def _end_all(row: users.UserRow, reason: str) -> int:
    context = auth_context()
    now = context.clock()
    ended = sessions.revoke_user(context.warehouse, row.user.user_id, reason, now)
    if ended:
        security_events.report(
            context.warehouse,
            security_events.SESSION_REVOKED,
            row.user.username,
            request.remote_addr,
            f"{ended} session(s): {reason}",
            now,
        )
    return ended


def reset_mfa(user_id: int) -> ResponseReturnValue:
    context = auth_context()
    admin = _admin()
    row = _target(user_id)
    mfa.reset(context.warehouse, user_id)
    ended = _end_all(row, "mfa_reset")
    security_events.report(
        context.warehouse,
        security_events.MFA_RESET,
        row.user.username,
        request.remote_addr,
        f"by {admin.username}",
        context.clock(),
        context.settings.security_alert_webhook,
    )
    users.record_audit(
        context.warehouse, admin.username, "mfa_reset", f"app_user:{row.user.username}", None, context.clock
    )
    return _done(f"Two-step sign-in of {row.user.username} reset ({ended} session(s) signed out).")


def set_active(user_id: int, active: bool) -> ResponseReturnValue:
    context = auth_context()
    admin = _admin()
    row = _target(user_id)
    if row.user.user_id == admin.user_id and not active:
        return _refuse("You cannot deactivate yourself.")
    users.set_active(context.warehouse, user_id, active)
    ended = 0 if active else _end_all(row, "deactivated")
    action = "user_reactivated" if active else "user_deactivated"
    users.record_audit(
        context.warehouse, admin.username, action, f"app_user:{row.user.username}", None, context.clock
    )
    state = "reactivated" if active else f"deactivated ({ended} session(s) signed out)"
    return _done(f"{row.user.username} {state}.")


def sign_out_everywhere(user_id: int) -> ResponseReturnValue:
    context = auth_context()
    admin = _admin()
    row = _target(user_id)
    ended = _end_all(row, "signed_out_everywhere")
    users.record_audit(
        context.warehouse,
        admin.username,
        "signed_out_everywhere",
        f"app_user:{row.user.username}",
        f"{ended} session(s) ended",
        context.clock,
    )
    return _done(f"{row.user.username} signed out everywhere ({ended} session(s)).")


def register(server: Flask) -> None:
    """The account and user-management form targets (POST only; CSRF is checked before they run)."""
    rules: list[tuple[str, str, Callable[..., ResponseReturnValue]]] = [
        ("/account/password", "account_password", change_password),
        ("/account/mfa", "account_mfa", start_mfa),
        (USERS_PAGE, "admin_create_user", create_user),
        (f"{USERS_PAGE}/<int:user_id>/role", "admin_change_role", change_role),
        (f"{USERS_PAGE}/<int:user_id>/mfa-reset", "admin_reset_mfa", reset_mfa),
        (
            f"{USERS_PAGE}/<int:user_id>/deactivate",
            "admin_deactivate",
            lambda user_id: set_active(user_id, False),
        ),
        (
            f"{USERS_PAGE}/<int:user_id>/reactivate",
            "admin_reactivate",
            lambda user_id: set_active(user_id, True),
        ),
        (f"{USERS_PAGE}/<int:user_id>/sign-out", "admin_sign_out", sign_out_everywhere),
    ]
    for rule, endpoint, view in rules:
        server.add_url_rule(rule, endpoint, view, methods=["POST"])
