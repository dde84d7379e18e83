"""Logging for every entry point: plain text or one JSON object per line, with the request and batch ids.

The ids live in context variables: the web hook sets the request id (from ``X-Request-ID`` or a new one,
echoed on the answer), the pipeline runner sets the batch id while a step runs. Configure once, in the
entry point, with :func:`configure_logging`; ``settings.log_format = "json"`` switches to JSON.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, request

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # what a caller's request id may look like
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("c360_request_id", default=None)
batch_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("c360_batch_id", default=None)


class ContextFilter(logging.Filter):
    """Puts the current request and batch ids on every record (``None`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.batch_id = batch_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, ids, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "batch_id", "trace_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str, fmt: str = "text") -> None:
    """The root logger's one handler: text (the default) or JSON lines, both with the context ids."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


@contextmanager
def batch_context(batch: int) -> Iterator[None]:
    """Log records inside carry ``batch``."""
    token = batch_id.set(batch)
    try:
        yield
    finally:
        batch_id.reset(token)


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id.set(given if _SAFE_ID.match(given) else uuid.uuid4().hex)


def _echo_request_id(response: Response) -> Response:
    current = request_id.get()
    if current is not None:
        response.headers[REQUEST_ID_HEADER] = current
    return response


def _forget_request_id(_error: BaseException | None) -> None:
    request_id.set(None)


def install_request_ids(server: Flask) -> None:
    """Give every request an id (the caller's ``X-Request-ID`` when it is sane), logged and echoed back."""
    server.before_request(_start_request)
    server.after_request(_echo_request_id)
    server.teardown_request(_forget_request_id)
