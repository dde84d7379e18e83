"""Security headers on every answer: CSP, framing, sniffing, referrer, HSTS over HTTPS, a plain Server.

The ``Server`` header is written by the HTTP server, not the app: under Werkzeug's dev server
:class:`QuietRequestHandler` replaces its version banner; gunicorn names itself without a version.

The CSP allows scripts only from the portal itself plus the hashes of Dash's own inline scripts (the
renderer start-up and clientside callbacks, :meth:`dash.Dash.csp_hashes`). Styles may be inline:
Plotly and React write ``<style>`` elements and style attributes at run time. Images may be ``data:``
URIs (the MFA QR code, Plotly's exported images).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, request
from werkzeug.serving import WSGIRequestHandler

SERVER_NAME = "Customer360"


def content_security_policy(script_hashes: Iterable[str], unsafe_eval: bool = False) -> str:
    """The CSP for the portal, allowing Dash's inline scripts by hash."""
    scripts = ["'self'", *script_hashes] + (["'unsafe-eval'"] if unsafe_eval else [])
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def apply(response: Response, csp: str, hsts_seconds: int) -> Response:
    """Set the security headers on ``response``."""
    headers = response.headers
    headers["Content-Security-Policy"] = csp
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure and hsts_seconds:
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
    return response


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without version banners (``Server`` and ``SERVER_SOFTWARE``)."""

    @property
    def server_version(self) -> str:  # type: ignore[override]
        return SERVER_NAME

    def version_string(self) -> str:
        return SERVER_NAME
