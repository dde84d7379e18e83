"""A forwarding HTTP proxy on 127.0.0.1: requests in proxy form (``GET http://host/path``) are fetched and relayed."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.integration.connectors.servers import LocalServer, Reply, Request

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the proxy itself goes direct


def _forward(request: Request) -> Reply:
    if not request.path.startswith("http://"):
        return Reply(400, "this is a proxy: send absolute URLs")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "proxy-connection")}
    outbound = urllib.request.Request(request.path, headers=headers, method=request.method)
    try:
        with _DIRECT.open(outbound, timeout=10) as answer:
            return Reply(
                answer.status, answer.read(), {"Content-Type": answer.headers.get("Content-Type", "")}
            )
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.read())


class ProxyServer(LocalServer):
    def __init__(self) -> None:
        super().__init__(_forward)
