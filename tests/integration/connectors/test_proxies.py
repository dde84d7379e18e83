"""The HTTP layer's proxy pool against real forwarding proxies on loopback: health checks, rotation, benching."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from pipeline.connectors.http import HttpClient, HttpConfig
from tests.integration.connectors.directory_server import DirectoryServer
from tests.integration.connectors.proxy_server import ProxyServer

AGENTS = ("Agent-A/1.0", "Agent-B/1.0")


@pytest.fixture
def proxies() -> Iterator[list[ProxyServer]]:
    servers = [ProxyServer().start() for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def site() -> Iterator[DirectoryServer]:
    server = DirectoryServer(['<div class="result"><h2>Acme Ltd</h2></div>'] * 25).start()
    yield server
    server.stop()


def _dead_proxy() -> str:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_requests_rotate_over_healthy_proxies_and_a_dead_one_is_never_used(
    proxies: list[ProxyServer], site: DirectoryServer
) -> None:
    dead = _dead_proxy()
    config = HttpConfig(
        rate=1000.0,
        burst=10,
        user_agents=AGENTS,
        proxies=(dead, proxies[0].url, proxies[1].url),
        proxy_check_url=f"{site.url}/robots.txt",
    )
    client = HttpClient("yp", config, sleep=lambda s: None)
    assert client.proxies.healthy() == [proxies[0].url, proxies[1].url], (
        "the health check benched the dead one"
    )
    pages = [client.get(f"{site.url}/search/page-{n}.html") for n in (1, 2, 3, 1, 2, 3)]
    assert all(p.status_code == 200 and "Acme Ltd" in p.text for p in pages)

    fetched = [r for proxy in proxies for r in proxy.log if "/search/" in r.path]
    assert len(fetched) == 6 and {len([r for r in p.log if "/search/" in r.path]) for p in proxies} == {3}
    assert [r.path for r in site.log if "/search/" in r.path] != [], "the site saw the proxied requests"
    assert {r.headers["User-Agent"] for r in fetched} == set(AGENTS), "user agents rotate too"


def test_a_proxy_that_dies_mid_run_is_benched_and_the_request_still_completes(
    proxies: list[ProxyServer], site: DirectoryServer
) -> None:
    config = HttpConfig(rate=1000.0, burst=10, proxies=(proxies[0].url, proxies[1].url))
    client = HttpClient("yp", config, sleep=lambda s: None)
    proxies[0].stop()
    pages = [client.get(f"{site.url}/search/page-1.html") for _ in range(4)]
    assert all(p.status_code == 200 for p in pages)
    assert client.proxies.healthy() == [proxies[1].url]
    assert len([r for r in proxies[1].log if "/search/" in r.path]) == 4
