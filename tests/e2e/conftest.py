"""Browser-test setup for Dash's ``dash_duo``: headless Chromium options and a selenium 3.141 fix.

There is no X server here, so Chrome runs headless (``--headless=new``) with the flags below.
selenium 3.141 passes ``socket._GLOBAL_DEFAULT_TIMEOUT`` (a sentinel object) to urllib3 as its
timeout, which urllib3 2.x rejects ("Timeout value connect was <object object ...>"); setting a real
timeout on ``RemoteConnection`` avoids it. selenium 4.2 (the newest dash[testing] allows) does not need it.
"""

from __future__ import annotations

import ctypes
import shutil
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest
from dash.testing.application_runners import ThreadedRunner
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.remote.remote_connection import RemoteConnection

from tests.e2e.browser import build_demo_warehouse
from warehouse.engine import Warehouse

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
REAL_CHROMIUM = "/usr/lib/chromium/chromium"  # /usr/bin/chromium is a wrapper script that prints warnings

RemoteConnection.set_timeout(60)


def _stop_server_thread(runner: ThreadedRunner) -> None:
    """Stop the portal's test server, within 30 s.

    Dash's runner raises SystemExit in every thread started after the server's thread object was made, then joins
    the server's thread with no time limit. Once, here, the server's own thread was left running (its id among the
    threads alive before it, or the exception lost), and the test run waited for it for good. This tells the
    server's thread itself, again every half second, and fails the test's teardown rather than waiting forever.
    """
    thread = runner.thread
    deadline = time.monotonic() + 30
    while thread is not None and thread.is_alive() and thread.ident is not None:
        if time.monotonic() > deadline:
            pytest.fail("the portal's test server did not stop within 30 s")
        with suppress(ValueError, SystemExit):  # a thread that ended meanwhile
            thread.kill()
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))
        thread.join(0.5)
    runner._app = None
    runner.started = False


ThreadedRunner.stop = _stop_server_thread  # type: ignore[method-assign]


def pytest_setup_options() -> Options:
    """Chrome options for dash_duo (hook of Dash's pytest plugin)."""
    options = Options()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    if shutil.which(REAL_CHROMIUM):
        options.binary_location = REAL_CHROMIUM
    return options


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The small demo warehouse of `tests.e2e.browser`, built once per test process."""
    warehouse = build_demo_warehouse(tmp_path_factory.mktemp("browser-demo"))
    yield warehouse
    warehouse.engine.dispose()
