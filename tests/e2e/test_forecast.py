"""The revenue forecast in a real browser, on the demo warehouse of `tests.e2e.browser`: a manager sees
actuals, the forecast and its 80 %/95 % intervals on the Overview, and the forecast page's measured
accuracy in words, at 1440 px and on a 375 px phone; a sales rep sees neither."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dash.testing.wait import until

from app import create_app
from components.forecast import accuracy_sentence
from tests.e2e.browser import refused, screenshot, sign_in, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse.engine import Warehouse
from warehouse.forecast_queries import forecast_accuracy, forecast_series


def _legend(dash_duo, page: str) -> list[str]:
    selector = f"div[id*='forecast-graph'][id*='{page}'] .legendtext"
    return [e.text for e in dash_duo.find_elements(selector)]


def _sees_forecast(dash_duo, page: str) -> None:
    until(
        lambda: {"Actual", "Forecast", "80 % interval", "95 % interval"} <= set(_legend(dash_duo, page)),
        timeout=45,  # the Overview draws its drill charts first; a loaded machine needs more than 20 s
    )
    bands = dash_duo.find_elements(f"div[id*='forecast-graph'][id*='{page}'] path.js-fill")
    assert len(bands) >= 2, "both interval bands are drawn"


@pytest.mark.browser
def test_a_manager_sees_the_forecast_with_intervals_and_its_accuracy(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    figures = forecast_accuracy(demo_warehouse)
    assert figures and forecast_series(demo_warehouse, "month"), "the batch trained a forecast"
    monthly = accuracy_sentence(figures, "month")
    assert monthly.startswith("Last 12 months: ") and "accurate at monthly level (1 − WAPE" in monthly

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    for width, height, mobile in ((1440, 900, False), (375, 812, True)):
        viewport(dash_duo, width, height, mobile)
        if not mobile:
            sign_in(dash_duo, "manager")
        dash_duo.driver.get(dash_duo.server_url + "/")
        _sees_forecast(dash_duo, "overview")
        sentence = dash_duo.find_element("p[id*='forecast-accuracy-sentence'][id*='overview']")
        until(lambda s=sentence: s.text == monthly, timeout=10)
        screenshot(dash_duo, shots, f"overview-forecast-{width}.png")

        more = dash_duo.find_element("a[id*='forecast-more'][id*='overview']")  # the panel leads to its page
        dash_duo.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", more
        )
        dash_duo.wait_for_text_to_equal("#forecast-headline", monthly, timeout=20)
        _sees_forecast(dash_duo, "forecast")
        table = dash_duo.find_element(".forecast-accuracy table")
        assert "Monthly" in table.text and "Weekly" in table.text
        screenshot(dash_duo, shots, f"forecast-{width}.png")
        assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= width

    viewport(dash_duo, 1440, 900, mobile=False)
    refused(
        dash_duo,
        "sales_rep",
        "/forecast",
        "forecast-denied",
        "The forecast is open to managers, analysts and administrators.",
    )
    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.wait_for_element("#overview-kpi-row", timeout=15)
    assert not dash_duo.find_elements("div[id*='forecast-graph']")
    assert dash_duo.get_logs() == []
