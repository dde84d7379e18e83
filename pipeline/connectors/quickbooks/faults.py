"""QuickBooks Online Fault bodies read in both spellings and mapped to our errors by Intuit's documented codes.

Intuit answers an error with a Fault envelope in one of two spellings, and both reach clients today:

* ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": "ValidationFault"},
  "time": "2015-08-07T05:35:56.791-07:00"}`` (the documented one, ISO time with the Pacific offset);
* ``{"fault": {"error": [{"message", "detail", "code", "element": null}], "type": "ValidationFault"},
  "time": 1719142418269, "cdcresponse": [], ...}`` (lower-case keys, epoch milliseconds, null members):
  every 401 of the OAuth2 gateway, and intermittently other faults.

:data:`FAULT_CODES` maps Intuit's code ranges (developer.intuit.com, "Error codes": 100-499
authentication and authorization, 500-599 unsupported operation, 600-1999 general, 2000-4999
validation, 5000-5999 stale object, 6000-6999 business validation, 10000+ system) to our exception
tree; a code outside the table falls back on the fault ``type``, then on the HTTP status.
Nothing here does I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pipeline.connectors.http import (
    ERROR_CODE_EXCEPTION_MAPPING,
    AuthenticationFailed,
    Forbidden,
    HttpError,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServerError,
)

logger = logging.getLogger(__name__)

FAULT_CODES: Final[tuple[tuple[int, int, type[HttpError], str], ...]] = (
    # (first code, last code, our exception, Intuit's name for the range or code); first match wins
    (100, 100, AuthenticationFailed, "General Authentication Error"),
    (120, 120, Forbidden, "Authorization Failure"),
    (3001, 3001, RateLimited, "ThrottleExceeded"),
    (3100, 3100, Forbidden, "AuthorizationFailed"),
    (3200, 3299, AuthenticationFailed, "AuthenticationFailed"),
    (1, 499, AuthenticationFailed, "authentication or authorization fault"),
    (500, 599, InvalidRequest, "unsupported operation"),
    (610, 610, NotFound, "Object Not Found"),
    (600, 1999, ServerError, "general fault"),
    (2000, 4999, InvalidRequest, "ValidationFault"),
    (5000, 5999, InvalidRequest, "stale object (SyncToken mismatch)"),
    (6000, 6999, InvalidRequest, "business validation fault"),
    (10000, 10**9, ServerError, "SystemFault"),
)
FAULT_TYPES: Final[dict[str, type[HttpError]]] = {
    "validationfault": InvalidRequest,
    "authenticationfault": AuthenticationFailed,
    "authentication": AuthenticationFailed,
    "authorizationfault": Forbidden,
    "throttlingfault": RateLimited,
    "systemfault": ServerError,
    "service": ServerError,
}


@dataclass(frozen=True)
class Fault:
    """The first error of a Fault body, whichever spelling it came in."""

    type: str
    code: int | None
    message: str
    detail: str

    def describe(self) -> str:
        code = "" if self.code is None else f" {self.code}"
        detail = f" {self.detail}" if self.detail else ""
        return f"QuickBooks {self.type or 'fault'}{code}: {self.message}{detail}"


def _member(obj: Mapping[str, Any], name: str) -> Any:
    """``obj[Name]`` or ``obj[name]``: Intuit spells every Fault member both ways."""
    return obj[name] if name in obj else obj.get(name.lower())


def read_fault(body: Any) -> Fault | None:
    """The Fault of a response body in either spelling; ``None`` when the body is not a Fault."""
    if not isinstance(body, Mapping):
        return None
    fault = _member(body, "Fault")
    if not isinstance(fault, Mapping):
        return None
    errors = _member(fault, "Error")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else {}
    raw_code = first.get("code")
    try:
        code = int(str(raw_code).strip()) if raw_code not in (None, "") else None
    except ValueError:
        code = None
    return Fault(
        type=str(fault.get("type") or ""),
        code=code,
        message=str(_member(first, "Message") or "").strip(),
        detail=str(_member(first, "Detail") or "").strip(),
    )


def exception_for(fault: Fault, status: int) -> type[HttpError]:
    """Our exception for a Fault: by its code, else its type, else the HTTP status."""
    if fault.code is not None:
        for first, last, kind, _name in FAULT_CODES:
            if first <= fault.code <= last:
                return kind
    by_type = FAULT_TYPES.get(fault.type.lower())
    if by_type is not None:
        return by_type
    if status in ERROR_CODE_EXCEPTION_MAPPING:
        return ERROR_CODE_EXCEPTION_MAPPING[status][0]
    return ServerError


def fault_error(source: str, what: str, fault: Fault, status: int, url: str | None = None) -> HttpError:
    """The mapped exception, naming the call, the fault type, code, message and detail."""
    kind = exception_for(fault, status)
    return kind(source, f"{what}: {fault.describe()}"[:600], status, url)
