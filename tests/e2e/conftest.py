"""Browser-test setup for Dash's ``dash_duo``: headless Chromium options and a selenium 3.141 fix.

There is no X server here, so Chrome runs headless (``--headless=new``) with the flags below.
selenium 3.141 passes ``socket._GLOBAL_DEFAULT_TIMEOUT`` (a sentinel object) to urllib3 as its
timeout, which urllib3 2.x rejects ("Timeout value connect was <object object ...>"); setting a real
timeout on ``RemoteConnection`` avoids it. selenium 4.2 (the newest dash[testing] allows) does not need it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
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
