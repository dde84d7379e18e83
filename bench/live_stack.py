"""What the real-time latency benchmark runs: the portal on a loopback port, a headless Chromium signed in
and watching the live KPI store, the Kafka Streams application, and a paced producer of order events.

Every server listens on 127.0.0.1 on a free port, runs in its own process group where it is a process,
writes its output to a log file, and is stopped with bounded waits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from pipeline.events.broker import die_with_parent, free_port, kill_group
from pipeline.events.log import format_time

logger = logging.getLogger(__name__)

CHROMEDRIVER = "/usr/bin/chromedriver"
REAL_CHROMIUM = "/usr/lib/chromium/chromium"  # /usr/bin/chromium is a wrapper script that prints warnings
CHROME_FLAGS = (  # as tests/e2e/conftest.py
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

# Records every change of a dcc.Store in the page as [browser time in ms, today's event count].
WATCH_STORE = """
clearInterval(window.__benchWatch);
window.__benchSeen = [];
let last = null;
window.__benchWatch = setInterval(() => {
  const s = window.store && window.store.getState();
  const path = s && s.paths && s.paths.strs && s.paths.strs[arguments[0]];
  if (!path) return;
  let node = s.layout;
  for (const k of path) node = node && node[k];
  const data = node && node.props && node.props.data;
  if (data && data !== last && data.today) {
    last = data;
    window.__benchSeen.push([Date.now(), data.today.events || 0]);
  }
}, 5);
"""


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy (returned) or ``timeout`` seconds pass (TimeoutError naming ``what``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PortalServer:
    """The portal's Flask server in a thread (werkzeug, threaded) on a free loopback port."""

    def __init__(self, server: Flask) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, server, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-portal", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> PortalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(10)
        self._server.server_close()


class BoardWatch(threading.Thread):
    """Records when the portal's live board (server side) first counts more of today's events, every 10 ms:
    splits the latency into produce → board and board → browser."""

    def __init__(self, board: Any, interval: float = 0.01) -> None:
        super().__init__(name="bench-board-watch", daemon=True)
        from pipeline.events.live import Viewer

        self.board, self.interval, self.viewer = board, interval, Viewer("manager")
        self.seen: list[tuple[float, int]] = []
        self._stopping = threading.Event()

    def run(self) -> None:
        last = -1
        while not self._stopping.wait(self.interval):
            count = int(self.board.snapshot(self.viewer)["today"].get("events") or 0)
            if count != last:
                last = count
                self.seen.append((time.time(), count))

    def stop(self) -> None:
        self._stopping.set()
        self.join(5)


class KpiTopicWatch(threading.Thread):
    """Records when today's company-wide KPI record on ``<prefix>.kpis`` (committed, as the portal reads it)
    first counts more events: splits the Kafka path into processor → topic and topic → portal."""

    def __init__(self, bootstrap: str, topic: str = "c360.kpis") -> None:
        super().__init__(name="bench-kpi-topic-watch", daemon=True)
        self.bootstrap, self.topic = bootstrap, topic
        self.seen: list[tuple[float, int]] = []
        self._stopping = threading.Event()

    def run(self) -> None:
        from confluent_kafka import Consumer

        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": f"c360-bench-{os.getpid()}-{time.time_ns()}",
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
            }
        )
        consumer.subscribe([self.topic])
        last = -1
        try:
            while not self._stopping.is_set():
                for message in consumer.consume(num_messages=1000, timeout=0.05):
                    key = message.key() or b""
                    if message.error() or not key.startswith(b"1d|") or not key.endswith(b"|all|all"):
                        continue
                    count = int(json.loads(message.value() or b"{}").get("events", 0))
                    if count > last:
                        last = count
                        self.seen.append((time.time(), count))
        finally:
            consumer.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(10)


class Chromium:
    """Headless Chromium driven through chromedriver, which runs in its own process group on a free port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.driver: Any = None

    def start(self, timeout: float = 60.0) -> Chromium:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.remote.remote_connection import RemoteConnection

        RemoteConnection.set_timeout(60)  # selenium 3.141 with urllib3 2.x needs a real timeout
        self.directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        with open(self.directory / "chromedriver.log", "ab") as out:
            self.process = subprocess.Popen(
                [*die_with_parent(), CHROMEDRIVER, f"--port={port}"],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for(lambda: _accepts(port) or self._exited(), timeout, "chromedriver listening")
        if self._exited():
            raise RuntimeError(f"chromedriver exited; see {self.directory / 'chromedriver.log'}")
        options = Options()
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        options.add_argument("--window-size=1440,900")
        if shutil.which(REAL_CHROMIUM):
            options.binary_location = REAL_CHROMIUM
        self.driver = webdriver.Remote(
            command_executor=f"http://127.0.0.1:{port}", desired_capabilities=options.to_capabilities()
        )
        return self

    def _exited(self) -> bool:
        return self.process is None or self.process.poll() is not None

    def sign_in(self, base_url: str, username: str, password: str, timeout: float = 30.0) -> None:
        """Sign in through the login form, as a user does (the form carries its CSRF token)."""
        from components import ids

        self.driver.get(base_url + "/login")
        wait_for(lambda: self.driver.find_elements_by_id(ids.LOGIN_USERNAME), timeout, "the login form")
        self.driver.find_element_by_id(ids.LOGIN_USERNAME).send_keys(username)
        self.driver.find_element_by_id(ids.LOGIN_PASSWORD).send_keys(password)
        self.driver.find_element_by_id(ids.LOGIN_SUBMIT).click()
        wait_for(lambda: self.driver.find_elements_by_id(ids.NAVBAR_USER), timeout, f"{username} signed in")

    def watch_store(self, store_id: str) -> None:
        """Start recording every change of the store (see WATCH_STORE)."""
        self.driver.execute_script(WATCH_STORE, store_id)

    def seen(self) -> list[tuple[float, int]]:
        """The store's changes so far: (Unix time in seconds, today's event count)."""
        rows = self.driver.execute_script("return window.__benchSeen || []")
        return [(float(t) / 1000, int(n)) for t, n in rows]

    def last_count(self) -> int:
        """Today's event count in the store now (0 before the first snapshot)."""
        count = self.driver.execute_script(
            "const s = window.__benchSeen || []; return s.length ? s[s.length - 1][1] : 0;"
        )
        return int(count)

    def stop(self) -> None:
        if self.driver is not None:
            with contextlib.suppress(Exception):  # a browser that already died needs no quit
                self.driver.quit()
            self.driver = None
        if self.process is not None:
            kill_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                kill_group(self.process.pid)
                self.process.wait(10)
            self.process = None


class StreamsProcess:
    """The Kafka Streams application jar as its own process group, until it logs RUNNING."""

    def __init__(self, jar: Path, bootstrap: str, directory: Path, settings: dict[str, str]) -> None:
        self.jar, self.bootstrap, self.directory, self.settings = jar, bootstrap, directory, settings
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "streams.log"

    def start(self, timeout: float = 120.0) -> StreamsProcess:
        if not self.jar.exists():
            raise FileNotFoundError(f"no Streams jar at {self.jar}: run `make streams`")
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "C360_KAFKA_BOOTSTRAP": self.bootstrap,
            "C360_STREAMS_APPLICATION_ID": f"c360-bench-{os.getpid()}-{int(time.time())}",
            "C360_STREAMS_STATE_DIR": str(self.directory / "state"),
        }
        properties = self.directory / "streams.properties"
        properties.write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [
                    *die_with_parent(),
                    "java",
                    "-Xmx768m",
                    "-XX:+UseSerialGC",
                    "-jar",
                    str(self.jar),
                    str(properties),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

        def running() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the Streams application exited; see {self.log}")
            return b"c360-streams RUNNING" in self.log.read_bytes()

        wait_for(running, timeout, "the Streams application RUNNING", interval=0.2)
        return self

    def stop(self) -> None:
        """SIGTERM (a clean close), then SIGKILL when it hangs."""
        if self.process is None:
            return
        kill_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(40)
        except subprocess.TimeoutExpired:
            kill_group(self.process.pid)
            self.process.wait(10)
        self.process = None


CHANNELS = ("web", "app", "phone", "store", "email")


def order_event(run: str, i: int, now: dt.datetime) -> dict[str, Any]:
    """A valid ``order_placed`` event with its own order, so today's revenue and counts move with every event."""
    event_id = f"bench-{run}-{i:06d}"
    return {
        "event_id": event_id,
        "type": "order_placed",
        "schema_version": 1,
        "occurred_at": format_time(now),
        "customer_key": 1 + i % 500,
        "source_key": None,
        "channel": CHANNELS[i % len(CHANNELS)],
        "payload": {"order_id": f"SO-{run}-{i}", "amount": 10 + (i % 97) + 0.25, "currency": "GBP"},
    }


def produce(
    transport: str, target: str, run: str, first: int, count: int, rate: float, out: str, batch_max: int = 500
) -> None:
    """Produce ``count`` order events at ``rate`` per second (events ``first``.. of ``run``) and write each
    one's produce time (Unix seconds, taken just before it is handed to the transport) to ``out`` as JSON.

    ``transport`` is ``embedded`` (``target``: the warehouse URL; events are appended to its event log in
    the batches that fell due, as a producer appending every few milliseconds does) or ``kafka``
    (``target``: the bootstrap; one record per event, acknowledged at the end).
    """
    times: list[float] = []
    send: Callable[[list[dict[str, Any]]], None]
    finish: Callable[[], None]
    if transport == "embedded":
        from pipeline.events.log import append
        from warehouse.engine import Warehouse

        warehouse = Warehouse.from_url(target)

        def send(events: list[dict[str, Any]]) -> None:
            append(warehouse, events, "api")

        finish = warehouse.engine.dispose
    else:
        from pipeline.events.kafka_io import EventProducer

        producer = EventProducer(target)

        def send(events: list[dict[str, Any]]) -> None:
            producer.send_all(events)

        def finish() -> None:
            producer.flush(60)

    started = time.monotonic()
    sent = 0
    while sent < count:
        due = min(count, int((time.monotonic() - started) * rate) + 1)
        if due <= sent:
            time.sleep(max(0.0005, sent / rate - (time.monotonic() - started)))
            continue
        stop = min(due, sent + batch_max)
        now = dt.datetime.now(dt.UTC)
        batch = [order_event(run, first + i, now) for i in range(sent, stop)]
        at = time.time()
        send(batch)
        times.extend([at] * len(batch))
        sent = stop
    finish()
    Path(out).write_text(json.dumps({"times": times, "seconds": time.monotonic() - started}))
