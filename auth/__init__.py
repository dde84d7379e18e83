"""Sign-in security of the portal: server-side sessions, CSRF, throttling, MFA, accounts and headers.

:func:`install` wires it onto the Flask server: the sign-in views, the administrators' account
actions, the CSRF and sign-in guard hooks, and the security headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from auth import accounts, guard, views
from auth.context import AuthContext, Clock, auth_context, install_context, utcnow
from auth.headers import QuietRequestHandler, content_security_policy
from auth.views import LOGIN_ERROR, SessionUser, pending, safe_next, session_token


def install(server: Flask, context: AuthContext) -> None:
    """Protect ``server`` with the settings, warehouse and clock of ``context``."""
    install_context(server, context)
    proxies = context.settings.proxy_count
    if proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    views.register(server)
    accounts.register(server)
    guard.install(server)


def allow_scripts(server: Flask, script_hashes: Callable[[], Iterable[str]]) -> None:
    """Allow Dash's inline scripts in the CSP of ``server`` by their hashes (Dash adds some of them only at
    its first request, so they are asked for each time; hashing a few short scripts costs microseconds)."""
    server.config[guard.CSP_CONFIG] = lambda: content_security_policy(script_hashes())


__all__ = [
    "LOGIN_ERROR",
    "AuthContext",
    "Clock",
    "allow_scripts",
    "QuietRequestHandler",
    "SessionUser",
    "auth_context",
    "install",
    "pending",
    "safe_next",
    "session_token",
    "utcnow",
]
