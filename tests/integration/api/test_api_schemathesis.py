"""Schemathesis against the OpenAPI document: every operation, authenticated, with bounded examples,
answers without a server error and as its schema says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api.conftest import serve_api
from tests.unit.api.api_helpers import Clock
from tests.unit.portal.portal_data import PASSWORD, build_portal_warehouse

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The API on a fixture warehouse, and an administrator's API key (a key: nothing the run does revokes it)."""
    where = tmp_path_factory.mktemp("schemathesis")
    warehouse = build_portal_warehouse(where / "warehouse.db")
    with serve_api(warehouse, where, Clock(), api_rate_limit="1000000 per minute") as base:
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}, timeout=30
        )
        key = requests.post(
            f"{base}/api/v1/api-keys",
            json={"name": "schemathesis", "role": "admin"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=30,
        ).json()["key"]
        yield base, {"X-API-Key": key}


def test_every_operation_answers_as_documented(served: tuple[str, dict[str, str]]) -> None:
    base, headers = served
    # The event stream runs until its time is up: its own test reads it (test_api_stream.py).
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json").exclude(path="/api/v1/stream")
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(base_url=base, headers=headers, checks=CHECKS, timeout=30)

        try:
            run()
        except Exception as e:  # collect every operation's failure, then report them all
            failures[operation.label] = f"{type(e).__name__}: {e}"[:2000]
    assert operations >= 25
    assert failures == {}
