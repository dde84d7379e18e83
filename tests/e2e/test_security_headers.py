"""The portal under its Content Security Policy in real Chromium: every page renders, charts draw, the
two-step QR code shows, and the browser reports no CSP violation (nor any other console error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from auth import QuietRequestHandler
from components.account import ACCOUNT_MFA
from components.login_form import ENROL_QR
from components.shell import SIGN_OUT_BUTTON
from tests.e2e.browser import sign_in
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings

PAGES = {  # path: an element that shows the page rendered (charts for the pages that have them)
    "/": "#overview-drill-time-graph .main-svg",
    "/customers": "#customers-table",
    "/actions": "#actions-count",
    "/campaigns": ".page-title",
    "/analytics": ".page-title",
    "/review": ".page-title",
    "/quality": ".page-title",
    "/admin/users": "#admin-users-table",
    "/admin/security": "#admin-security-events",
    "/account": f"#{ACCOUNT_MFA}",
}


@pytest.mark.browser
def test_every_page_runs_under_the_csp_without_violations(dash_duo, tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    settings = portal_settings(tmp_path / "var")
    settings.cookie_secure = False  # the test server is plain HTTP on 127.0.0.1
    dash_duo.start_server(create_app(settings, warehouse), request_handler=QuietRequestHandler)
    dash_duo.driver.set_window_size(1440, 1000)

    sign_in(dash_duo, "admin")
    for path, ready in PAGES.items():
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready, timeout=20)
        assert dash_duo.get_logs() == [], path

    # The account page's two-step set-up: its QR code is a data: image the CSP allows.
    dash_duo.find_element(f"#{ACCOUNT_MFA} button").click()
    qr = dash_duo.wait_for_element(f"#{ENROL_QR}", timeout=15)
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert dash_duo.driver.execute_script("return arguments[0].naturalWidth", qr) > 0
    assert dash_duo.get_logs() == []

    # Signing out is one click on the navbar's button (a form posting the CSRF token); the old page's
    # requests are refused from then on. A callback the old page fires while the browser leaves it is
    # refused (401), which the browser logs; anything else logged is a fault.
    dash_duo.find_element(f"#{SIGN_OUT_BUTTON}").click()
    dash_duo.wait_for_element("#login-username", timeout=15)
    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.wait_for_element("#login-username", timeout=15)
    assert [entry for entry in dash_duo.get_logs() if not _refused_old_page_callback(entry)] == []


def _refused_old_page_callback(entry: dict) -> bool:
    """A console entry from a callback of the signed-out page: its 401, or the Dash renderer reading that answer."""
    message = entry["message"]
    refused = "/_dash-update-component" in message and "status of 401" in message
    renderer = "dash_renderer" in message and "body stream already read" in message
    return refused or renderer
