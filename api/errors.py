"""The API's one error shape, for every 4xx/5xx::

    {"error": {"code": <HTTP status>, "message": <text>, "details": <object or null>, "request_id": <id>}}

``details`` carries what a client can act on (the fields that failed validation, by location); the
request id is the one echoed in the ``X-Request-ID`` header, and it names the request in the logs.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Response, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ops import logs

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id() -> str:
    """This request's id, the one the logs name (``ops.logs``): the client's ``X-Request-ID`` when it is a sane
    token, else a new one."""
    if not has_request_context():
        return ""
    current = logs.request_id.get()
    if current is None:  # a server without the logging hook: give the request its id here
        given = request.headers.get(REQUEST_ID_HEADER, "")
        current = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        logs.request_id.set(current)
    return current


def error_response(code: int, message: str | None = None, details: Any = None) -> Response:
    """A JSON error with the status ``code``; the message defaults to the status name."""
    response = jsonify(
        {
            "error": {
                "code": code,
                "message": message or HTTP_STATUS_CODES.get(code, "Unknown error"),
                "details": details,
                "request_id": request_id(),
            }
        }
    )
    response.status_code = code
    return response


def from_http_exception(e: HTTPException) -> Response:
    code = e.code or 500
    data = getattr(e, "data", None) or {}
    details = data.get("errors", data.get("messages")) if isinstance(data, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    if code == 429 and not message:
        message = f"Rate limit exceeded: {e.description}"
    response = error_response(code, (message or e.description) if code < 500 else None, details)
    for name, value in e.get_headers():  # keep the Allow of a 405 and the Retry-After of a 429
        if name.lower() in ("allow", "retry-after", "www-authenticate"):
            response.headers[name] = value
    for name, value in (data.get("headers") or {}).items() if isinstance(data, dict) else ():
        response.headers[name] = value
    return response


def from_exception(e: Exception) -> Response:
    """Any unexpected error: logged with its traceback and request id, answered without internals."""
    if isinstance(e, HTTPException):
        return from_http_exception(e)
    logger.exception("api: unhandled error (request %s)", request_id())
    return error_response(500)
