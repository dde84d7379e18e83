"""A blue-green release rehearsed on loopback: two portal processes (gunicorn) behind the switch's proxy,
a load loop running throughout, not one failed request across a release and a rollback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.bluegreen import KubectlSwitch, LocalProxy, SwitchError, release, rollback
from pipeline.events.broker import stop_group
from tests.unit.portal.portal_data import build_served_warehouse

ROOT = Path(__file__).resolve().parents[3]
PATHS = ("/healthz", "/readyz", "/login", "/metrics")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_portal(tmp_path: Path, colour: str, database: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "C360_VAR_DIR": str(tmp_path / colour),
        "C360_DATABASE_URL": f"sqlite:///{database}",
        "C360_SECRET_KEY": "blue-green-test-key",
        "C360_LIVE_DEMO": "false",
        "C360_COOKIE_SECURE": "false",
    }
    with (tmp_path / f"{colour}.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
            ]
            + ["app:create_server()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture
def colours(tmp_path: Path) -> Iterator[dict[str, str]]:
    database = tmp_path / "warehouse.db"
    build_served_warehouse(database)
    procs = {c: _start_portal(tmp_path, c, database) for c in ("blue", "green")}
    try:
        yield {c: url for c, (_p, url) in procs.items()}
    finally:
        for proc, _url in procs.values():
            stop_group(proc)


class LoadLoop(threading.Thread):
    """GETs through the proxy as fast as it answers, counting answers by status and by colour."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.statuses: Counter[int | str] = Counter()
        self.colours: Counter[str] = Counter()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            path = PATHS[n % len(PATHS)]
            n += 1
            try:
                with urllib.request.urlopen(self.url + path, timeout=30) as answer:
                    self.statuses[answer.status] += 1
                    self.colours[answer.headers["X-Served-By"]] += 1
            except Exception as e:  # any failure counts against the release
                self.statuses[type(e).__name__] += 1


@pytest.mark.slow
def test_release_and_rollback_under_load_fail_no_request(colours: dict[str, str]) -> None:
    proxy = LocalProxy(colours, live="blue").start()
    try:
        release_ready = 120.0  # gunicorn and the portal's imports on a loaded machine
        from deploy.bluegreen import wait_ready

        wait_ready(colours["blue"], release_ready)
        load = LoadLoop(proxy.url)
        load.start()
        time.sleep(1.0)
        done = release(proxy, colours["green"], ready_timeout=release_ready, live_url=proxy.url)
        assert (done.previous, done.live) == ("blue", "green")
        time.sleep(1.0)
        back = rollback(proxy)
        assert back.live == "blue" and proxy.live() == "blue"
        time.sleep(1.0)
        load.stop.set()
        load.join(timeout=60)
    finally:
        proxy.stop()
    assert set(load.statuses) == {200}, load.statuses  # not one failed request
    assert sum(load.statuses.values()) > 20
    assert load.colours["blue"] > 0 and load.colours["green"] > 0  # traffic really moved, and back


def test_a_colour_that_is_not_ready_is_never_switched_to(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    proxy = LocalProxy({"blue": "http://127.0.0.1:9", "green": dead}, live="blue").start()
    try:
        with pytest.raises(SwitchError, match="did not become ready"):
            release(proxy, dead, ready_timeout=1.5)
        assert proxy.live() == "blue"
    finally:
        proxy.stop()


def test_the_cluster_switch_patches_both_services_selectors() -> None:
    calls: list[list[str]] = []

    def kubectl(args: list[str]) -> str:
        calls.append(args)
        return "blue"

    switch = KubectlSwitch(run=kubectl)
    assert switch.live() == "blue"
    switch.point("green")
    assert calls[1] == [
        "-n",
        "c360",
        "patch",
        "service",
        "c360-web",
        "--type=merge",
        "-p",
        '{"spec": {"selector": {"color": "green"}}}',
    ]
    assert calls[2][4] == "c360-web-preview" and '"color": "blue"' in calls[2][-1]
