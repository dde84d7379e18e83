"""Blue-green releases: bring the idle colour up, check it, then flip the live Service to it; flip back to roll back.

Both colours run side by side (``deploy/k8s/overlays/bluegreen``); the Service ``c360-web`` selects the live
one, ``c360-web-preview`` the idle one. A release rolls the idle colour to the new image, waits until it is
ready (``/readyz``), smoke-tests it through the preview Service, and only then flips the live selector. The old
colour keeps running, so a rollback is one more flip. Schema changes follow expand/contract so both colours
work on one database (docs/operations.md).

    python deploy/bluegreen.py status
    python deploy/bluegreen.py release IMAGE --smoke-url http://c360-web-preview.c360
    python deploy/bluegreen.py rollback

The switch logic (:func:`release`) takes any :class:`Switch`; :class:`KubectlSwitch` drives a cluster,
:class:`LocalProxy` is a loopback reverse proxy used to rehearse a release against two local processes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import shutil
import subprocess  # nosec B404  # kubectl with argument lists, never a shell
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

COLOURS = ("blue", "green")
SMOKE_PATHS = ("/healthz", "/readyz", "/metrics", "/login")
HOP_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
}


class SwitchError(RuntimeError):
    """The release stopped: the idle colour was not ready or failed a smoke check; the live colour is unchanged."""


class Switch(Protocol):
    """Where traffic goes: the live colour, and a way to point it at the other one."""

    def live(self) -> str: ...

    def point(self, colour: str) -> None: ...


def other(colour: str) -> str:
    return COLOURS[1 - COLOURS.index(colour)]


def get(url: str, timeout: float = 5.0) -> int:
    """The HTTP status of GET ``url`` (0 when nothing answered)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # nosec B310  # http(s) URLs of our own services
            return int(answer.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (OSError, http.client.HTTPException):
        return 0


def wait_ready(base_url: str, timeout: float, consecutive: int = 3, interval: float = 0.5) -> None:
    """Return once ``/readyz`` answered 200 ``consecutive`` times in a row; raise :class:`SwitchError` at ``timeout``."""
    deadline = time.monotonic() + timeout
    streak = 0
    while time.monotonic() < deadline:
        streak = streak + 1 if get(base_url + "/readyz", timeout=interval * 4) == 200 else 0
        if streak >= consecutive:
            return
        time.sleep(interval)
    raise SwitchError(f"{base_url} did not become ready within {timeout:.0f} s")


def smoke(base_url: str, paths: Sequence[str] = SMOKE_PATHS) -> None:
    """Each path must answer 200 (a page, a probe, the metrics): raise :class:`SwitchError` naming the first that did not."""
    for path in paths:
        status = get(base_url + path)
        if status != 200:
            raise SwitchError(f"smoke check failed: GET {base_url}{path} answered {status or 'nothing'}")


@dataclass(frozen=True)
class Release:
    previous: str
    live: str


def release(
    switch: Switch,
    idle_url: str,
    ready_timeout: float = 300.0,
    smoke_paths: Sequence[str] = SMOKE_PATHS,
    live_url: str | None = None,
) -> Release:
    """Flip ``switch`` to the idle colour once it is ready and passes the smoke checks (checked again through
    ``live_url`` after the flip; on failure the flip is undone). Raises :class:`SwitchError`, traffic unchanged."""
    previous = switch.live()
    target = other(previous)
    wait_ready(idle_url, ready_timeout)
    smoke(idle_url, smoke_paths)
    switch.point(target)
    logger.info("live: %s (was %s)", target, previous)
    if live_url is not None:
        try:
            smoke(live_url, smoke_paths)
        except SwitchError:
            switch.point(previous)
            logger.error("rolled back to %s: the live checks failed after the flip", previous)
            raise
    return Release(previous, target)


def rollback(switch: Switch) -> Release:
    """Point traffic back at the other colour (still running): instant."""
    previous = switch.live()
    switch.point(other(previous))
    return Release(previous, other(previous))


class LocalProxy:
    """A loopback reverse proxy in front of two local backends, one per colour; :meth:`point` flips atomically.

    Each request goes wholly to the backend live when it arrived, so in-flight requests finish where they began.
    """

    def __init__(self, backends: dict[str, str], live: str = "blue") -> None:
        self.backends = dict(backends)
        self._live = live
        self._lock = threading.Lock()
        self.served = {colour: 0 for colour in backends}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._forward(self)

            do_POST = do_HEAD = do_GET

            def log_message(self, format: str, *args: object) -> None:
                logger.debug(format, *args)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="bluegreen-proxy", daemon=True)

    def start(self) -> LocalProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def live(self) -> str:
        with self._lock:
            return self._live

    def point(self, colour: str) -> None:
        with self._lock:
            self._live = colour

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        colour = self.live()
        target = urlsplit(self.backends[colour])
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_HEADERS}
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
        try:
            conn.request(handler.command, handler.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as e:
            handler.send_error(502, f"{colour} backend: {e}")
            return
        finally:
            conn.close()
        with self._lock:
            self.served[colour] += 1
        handler.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_HEADERS and key.lower() != "content-length":
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("X-Served-By", colour)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)


Runner = Callable[[list[str]], str]


def _kubectl(args: list[str]) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise SwitchError("kubectl is not installed")
    done = subprocess.run([kubectl, *args], capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise SwitchError(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@dataclass
class KubectlSwitch:
    """The live colour is ``c360-web``'s ``color`` selector; ``c360-web-preview`` selects the other colour."""

    namespace: str = "c360"
    service: str = "c360-web"
    preview: str = "c360-web-preview"
    run: Runner = _kubectl

    def live(self) -> str:
        return self.run(
            ["-n", self.namespace, "get", "service", self.service, "-o", "jsonpath={.spec.selector.color}"]
        ).strip()

    def point(self, colour: str) -> None:
        for service, value in ((self.service, colour), (self.preview, other(colour))):
            patch = json.dumps({"spec": {"selector": {"color": value}}})
            self.run(["-n", self.namespace, "patch", "service", service, "--type=merge", "-p", patch])

    def roll(self, colour: str, image: str, timeout: float) -> None:
        """Put ``image`` on the ``colour`` Deployment and wait for its rollout (all pods ready)."""
        deployment = f"deployment/{self.service}-{colour}"
        self.run(["-n", self.namespace, "set", "image", deployment, f"web={image}"])
        self.run(["-n", self.namespace, "rollout", "status", deployment, f"--timeout={int(timeout)}s"])


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python deploy/bluegreen.py", description="Blue-green releases")
    parser.add_argument("--namespace", default="c360")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="the live colour")
    go = sub.add_parser("release", help="roll the idle colour to IMAGE, check it, flip traffic to it")
    go.add_argument("image")
    go.add_argument("--smoke-url", required=True, help="the preview Service's URL (reaches the idle colour)")
    go.add_argument("--live-url", help="the live URL, checked again after the flip")
    go.add_argument("--timeout", type=float, default=600.0)
    sub.add_parser("rollback", help="flip traffic back to the other colour")
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(message)s")
    switch = KubectlSwitch(namespace=args.namespace)
    out = sys.stdout.write
    try:
        if args.command == "status":
            out(f"live: {switch.live()}\n")
        elif args.command == "rollback":
            done = rollback(switch)
            out(f"rolled back: live {done.live} (was {done.previous})\n")
        else:
            idle = other(switch.live())
            switch.roll(idle, args.image, args.timeout)
            done = release(switch, args.smoke_url.rstrip("/"), args.timeout, live_url=args.live_url)
            out(f"released {args.image}: live {done.live} (was {done.previous}; rollback flips back)\n")
    except SwitchError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
