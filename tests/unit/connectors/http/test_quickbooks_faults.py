"""QuickBooks Fault bodies in both spellings map to our errors by Intuit's documented codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.connectors.http import (
    AuthenticationFailed,
    Forbidden,
    HttpError,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServerError,
    ServiceUnavailable,
)
from pipeline.connectors.quickbooks.faults import Fault, exception_for, read_fault
from pipeline.connectors.quickbooks.queries import parse_time

DATA = Path(__file__).resolve().parents[3] / "data" / "quickbooks"


def test_both_recorded_spellings_read_as_the_same_fault() -> None:
    upper = read_fault(json.loads((DATA / "fault-6240-capitalised.json").read_text("utf-8")))
    lower = read_fault(json.loads((DATA / "fault-6240-lowercase.json").read_text("utf-8")))
    assert upper is not None and lower is not None
    assert (upper.type, upper.code, upper.message) == ("ValidationFault", 6240, "Duplicate Name Exists Error")
    assert (lower.type, lower.code, lower.message) == ("ValidationFault", 6240, "Duplicate Name Exists Error")
    assert lower.detail == "The name supplied already exists. : null"


def test_the_gateway_401_with_null_members_reads() -> None:
    fault = read_fault(json.loads((DATA / "fault-401-lowercase.json").read_text("utf-8")))
    assert fault == Fault(
        "AUTHENTICATION",
        3200,
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "Malformed bearer token: too short or too long",
    )


def test_a_query_page_is_not_a_fault() -> None:
    assert read_fault(json.loads((DATA / "empty-page.json").read_text("utf-8"))) is None
    assert read_fault([1, 2]) is None


@pytest.mark.parametrize(
    ("code", "kind", "status", "expected"),
    [
        (3200, "AUTHENTICATION", 401, AuthenticationFailed),
        (100, "AuthenticationFault", 401, AuthenticationFailed),
        (3100, "SERVICE", 403, Forbidden),
        (3001, "ThrottlingFault", 429, RateLimited),
        (610, "ValidationFault", 400, NotFound),
        (4000, "ValidationFault", 400, InvalidRequest),
        (5010, "ValidationFault", 400, InvalidRequest),
        (6000, "ValidationFault", 400, InvalidRequest),
        (6240, "ValidationFault", 400, InvalidRequest),
        (10000, "SystemFault", 500, ServerError),
        (None, "ValidationFault", 400, InvalidRequest),
        (None, "", 503, ServiceUnavailable),  # no code, no type: the status decides
    ],
)
def test_codes_map_by_intuits_documented_ranges(
    code: int | None, kind: str, status: int, expected: type[HttpError]
) -> None:
    assert exception_for(Fault(kind, code, "m", "d"), status) is expected


def test_server_times_read_in_both_formats() -> None:
    assert parse_time("2020-04-22T13:41:14.023-07:00") == dt.datetime(2020, 4, 22, 20, 41, 14, 23000, dt.UTC)
    assert parse_time("1719142418269") == dt.datetime(2024, 6, 23, 11, 33, 38, 269000, dt.UTC)
    assert parse_time(1719142418269) == parse_time("1719142418269")
