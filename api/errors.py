"""The API's one error shape: ``{"error": {"code": <HTTP status>, "message": <text>}}`` for every 4xx/5xx."""

from __future__ import annotations

import logging

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

logger = logging.getLogger(__name__)


def error_response(code: int, message: str | None = None) -> Response:
    """A JSON error with the status ``code``; the message defaults to the status name."""
    response = jsonify(
        {"error": {"code": code, "message": message or HTTP_STATUS_CODES.get(code, "Unknown error")}}
    )
    response.status_code = code
    return response


def from_http_exception(e: HTTPException) -> Response:
    code = e.code or 500
    response = error_response(code, e.description if code < 500 else None)
    if code == 405 and e.get_headers():  # keep the Allow header a 405 must carry
        for name, value in e.get_headers():
            if name.lower() == "allow":
                response.headers[name] = value
    return response


def from_exception(e: Exception) -> Response:
    """Any unexpected error: logged with its traceback, answered without internals."""
    if isinstance(e, HTTPException):
        return from_http_exception(e)
    logger.exception("api: unhandled error")
    return error_response(500)
