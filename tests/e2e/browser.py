"""Shared pieces of the browser tests: signing in, and a small demo warehouse built by the real pipeline.

150 demo customers (seed 7, North West's orders cut by 30% in the last week) through the whole batch
(20–60 s on 2 shared cores depending on their load, most of it generating the files and training the
scoring models).
"""

from __future__ import annotations

import base64
from pathlib import Path

from dash.testing.wait import until

from components import ids
from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import demo_settings, fixed_clock, generate_demo
from tests.unit.portal.portal_data import PASSWORD
from warehouse import users
from warehouse.engine import Warehouse

CUSTOMERS = 150


def build_demo_warehouse(root: Path) -> Warehouse:
    """The demo world at ``root`` run through every pipeline step into SQLite, with the demo users."""
    sources = generate_demo(root / "demo", CUSTOMERS, "--plant-drop", "North West:2026-11-21:0.30")
    with demo_settings(root) as warehouse:
        assert "score" in run_batch(warehouse, load_sources(sources), clock=fixed_clock).steps_run
    users.ensure_demo_users(warehouse, PASSWORD)
    return warehouse


def screenshot(dash_duo, directory: Path, name: str) -> Path:
    """A full-page PNG through the DevTools protocol (exact size, beyond the viewport)."""
    # The capture lays the page out without its scrollbar, so it is as wide as the window, not the content box.
    width, height = dash_duo.driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollHeight]"
    )
    whole = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = dash_duo.driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": whole}
    )
    path = directory / name
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def viewport(dash_duo, width: int, height: int, mobile: bool) -> None:
    """An exact viewport (window sizes include browser chrome; see NOTES.md)."""
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
    )


def sign_in(dash_duo, username: str) -> None:
    dash_duo.wait_for_element(f"#{ids.LOGIN_USERNAME}").send_keys(username)
    dash_duo.find_element(f"#{ids.LOGIN_PASSWORD}").send_keys(PASSWORD)
    dash_duo.find_element(f"#{ids.LOGIN_SUBMIT}").click()
    dash_duo.wait_for_element(f"#{ids.NAVBAR_USER}", timeout=15)


def sign_out(dash_duo) -> None:
    """Sign out the way a user does: the sign-out page's button posts the form (with its CSRF token)."""
    dash_duo.driver.get(dash_duo.server_url + "/logout")
    dash_duo.wait_for_element("#logout-confirm", timeout=10).click()
    dash_duo.wait_for_element(f"#{ids.LOGIN_USERNAME}", timeout=15)


def fits_a_phone(dash_duo, shots: Path, name: str) -> None:
    """On a 375 px phone nothing is wider than the screen (wide tables scroll inside their cards); a
    screenshot is saved as ``name`` and the desktop viewport comes back."""
    viewport(dash_duo, 375, 812, mobile=True)
    until(
        lambda: dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= 375,
        timeout=5,
    )
    screenshot(dash_duo, shots, name)
    viewport(dash_duo, 1440, 900, mobile=False)


def refused(dash_duo, username: str, path: str, denied_id: str, message: str) -> None:
    """``username`` signs in, has no navbar entry for ``path``, and the page itself says who it is for."""
    sign_out(dash_duo)
    sign_in(dash_duo, username)
    assert not dash_duo.find_elements(f"a.nav-link[href='{path}']")
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_text_to_equal(f"#{denied_id}", message, timeout=10)
