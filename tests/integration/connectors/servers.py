"""A small threaded HTTP server on 127.0.0.1 for connector tests: an app function, a request log, faults.

``LocalServer(app)`` serves ``app(request) -> Reply`` on a free port. Every request is logged (monotonic
time, method, path with query, headers, body). ``inject(fragment, replies)`` makes the next requests whose
path contains ``fragment`` get those replies instead (a 429 burst, a 503, a dropped connection ...).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # announce the full length, send half the body, close the connection

    @property
    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


class LocalServer:
    """Start with ``start()``, stop with ``stop()``; ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, app: Callable[[Request], Reply]) -> None:
        self.app = app
        self.log: list[Request] = []
        self.faults: list[list[Any]] = []  # [path fragment, reply, matching requests still to let through]
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(time.monotonic(), self.command, self.path, dict(self.headers.items()), body)
                reply = owner._handle(request)
                data = reply.data
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                if reply.drop:
                    self.send_header("Connection", "close")
                self.end_headers()
                if reply.drop:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.log.append(request)
            for i, (fragment, reply, skip) in enumerate(self.faults):
                if fragment in request.path:
                    if skip:
                        self.faults[i][2] -= 1
                        break
                    del self.faults[i]
                    return reply
        return self.app(request)

    def inject(self, fragment: str, replies: list[Reply], after: int = 0) -> None:
        """The next requests matching ``fragment`` (after letting ``after`` of them through) get ``replies``."""
        with self._lock:
            self.faults.extend([fragment, r, after if n == 0 else 0] for n, r in enumerate(replies))

    def requests(self, fragment: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.log if fragment in r.path]

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
