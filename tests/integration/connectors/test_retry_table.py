"""One retry table: the shared client and the adapter for client libraries retry the same answers."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
import requests

from pipeline.connectors import http
from pipeline.connectors.transport import GuardedAdapter
from tests.integration.connectors.conftest import FakeClock
from tests.integration.connectors.servers import LocalServer, Reply

Send = Callable[[LocalServer, FakeClock, str], int]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    site = LocalServer(lambda request: Reply(200, "ok")).start()
    yield site
    site.stop()


def via_client(server: LocalServer, clock: FakeClock, path: str) -> int:
    client = http.HttpClient("s", http.HttpConfig(rate=1000, burst=10, retries=3), clock=clock,
                             sleep=clock.sleep, rng=random.Random(1), breakers={})  # fmt: skip
    try:
        return client.get(server.url + path).status_code
    except http.HttpError as e:
        return e.status or -1


def via_adapter(server: LocalServer, clock: FakeClock, path: str) -> int:
    http.BREAKERS.clear()
    session = requests.Session()
    session.mount(server.url + "/", GuardedAdapter("s", retries=3, sleep=clock.sleep))
    return session.get(server.url + path).status_code


@pytest.mark.parametrize("send", [via_client, via_adapter])
@pytest.mark.parametrize("status", sorted(http.RETRY_STATUSES))
def test_every_retried_status_is_asked_again_and_the_retry_after_is_waited(
    server: LocalServer, clock: FakeClock, send: Send, status: int
) -> None:
    server.inject("/page", [Reply(status, "busy", {"Retry-After": "7"})] * 2)
    assert send(server, clock, "/page") == 200
    assert len(server.requests("/page")) == 3
    assert sum(1 for s in clock.slept if s >= 7.0) == 2  # Retry-After is a floor under each wait


@pytest.mark.parametrize("send", [via_client, via_adapter])
@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_other_statuses_are_not_asked_again(
    server: LocalServer, clock: FakeClock, send: Send, status: int
) -> None:
    server.inject("/page", [Reply(status, "no")])
    assert send(server, clock, "/page") == status
    assert len(server.requests("/page")) == 1


@pytest.mark.parametrize("send", [via_client, via_adapter])
def test_a_connection_dropped_mid_body_is_asked_again(
    server: LocalServer, clock: FakeClock, send: Send
) -> None:
    server.inject("/page", [Reply(200, "x" * 1000, drop=True)])
    assert send(server, clock, "/page") == 200
    assert len(server.requests("/page")) == 2
