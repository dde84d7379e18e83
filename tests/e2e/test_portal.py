"""The portal in a real browser: sign in, read the KPIs, search customers, and the overview on a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from app import create_app
from components import ids
from tests.e2e.browser import screenshot, viewport
from tests.unit.portal.portal_data import PASSWORD, build_portal_warehouse, portal_settings

# Worked out by hand from the fixture (revenue on day i is 1000 + 50 i; today is Wed 12 March 2025, i = 70).
EXPECTED_KPIS = {
    "revenue-today": ("£4,500", "▲ +1.1%"),  # 4500 vs 4450
    "revenue-week": ("£13,350", "▲ +8.5%"),  # Mon-Wed 10-12 Mar vs 3-5 Mar (12,300)
    "revenue-month": ("£50,700", "▲ +49.6%"),  # 1-12 Mar vs 1-12 Feb (33,900)
    "active-customers": ("270", "▲ +2.7%"),  # 270 vs 263 a week earlier
    "new-customers": ("12", "► 0.0%"),  # 1-12 Mar vs 1-12 Feb (also 12)
}


def _kpi_rects(dash_duo) -> list[dict[str, float]]:
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.kpi-card')).map(e => {"
        " const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width}; });"
    )


@pytest.mark.browser
def test_sign_in_overview_customers_and_phone_layout(dash_duo, tmp_path: Path) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)

    # Anonymous: the sign-in form; sign in as the demo manager.
    dash_duo.wait_for_element(f"#{ids.LOGIN_USERNAME}").send_keys("manager")
    dash_duo.find_element(f"#{ids.LOGIN_PASSWORD}").send_keys(PASSWORD)
    dash_duo.find_element(f"#{ids.LOGIN_SUBMIT}").click()

    # Overview: KPI cards with the hand-computed values and growth.
    dash_duo.wait_for_text_to_equal(f"#{ids.kpi_value('revenue-today')}", "£4,500", timeout=15)
    for key, (value, growth) in EXPECTED_KPIS.items():
        assert dash_duo.find_element(f"#{ids.kpi_value(key)}").text == value
        assert dash_duo.find_element(f"#{ids.kpi_card(key)} .kpi-growth").text == growth
    assert "Demo Manager" in dash_duo.find_element(f"#{ids.NAVBAR_USER}").text
    dash_duo.wait_for_element(f"#{ids.OVERVIEW_TREND_GRAPH} .main-svg")
    wide = _kpi_rects(dash_duo)
    assert len({round(r["top"]) for r in wide}) == 1, "on a desktop the five KPI cards share one row"
    screenshot(dash_duo, shots, "overview-desktop.png")

    # Customers: all 30, then a search over name, city and email.
    dash_duo.find_element("a.nav-link[href='/customers']").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.CUSTOMERS_COUNT}", "30 customers", timeout=10)
    dash_duo.find_element(f"#{ids.CUSTOMERS_SEARCH}").send_keys("BRISTOL", Keys.ENTER)
    dash_duo.wait_for_text_to_equal(f"#{ids.CUSTOMERS_COUNT}", "11 customers", timeout=10)
    first = dash_duo.find_element(f"#{ids.CUSTOMERS_TABLE} td[data-dash-column='name']")
    assert first.text == "100% Cotton Co"  # highest revenue first
    screenshot(dash_duo, shots, "customers-desktop.png")

    # Phone (375 x 812 viewport): the KPI cards stack in one full-width column.
    viewport(dash_duo, 375, 812, mobile=True)
    dash_duo.wait_for_element(f"#{ids.NAVBAR_TOGGLER}").click()
    dash_duo.wait_for_element("#shell-navbar-collapse.show a.nav-link[href='/']").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.kpi_value('revenue-today')}", "£4,500", timeout=10)
    assert dash_duo.driver.execute_script("return window.innerWidth") == 375
    rects = _kpi_rects(dash_duo)
    assert len(rects) == 5
    assert len({round(r["left"]) for r in rects}) == 1, rects
    assert all(b["top"] > a["top"] for a, b in zip(rects, rects[1:], strict=False)), rects
    assert all(r["width"] > 300 for r in rects), rects
    screenshot(dash_duo, shots, "overview-phone.png")

    assert dash_duo.get_logs() == []
