"""The Campaigns page in a real browser, on the demo warehouse of `tests.e2e.browser`: marketing reads the
return per channel and campaign and the budget split as the marts hold them, on desktop and phone; a
sales rep gets neither the navbar entry nor the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from components import analytics as budget_view
from components import campaigns as view
from components import format as fmt
from components import ids
from tests.e2e.browser import fits_a_phone, refused, screenshot, sign_in, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse import analytics_queries as marts
from warehouse.engine import Warehouse


@pytest.mark.browser
def test_marketing_reads_campaign_returns_and_a_sales_rep_cannot(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    campaigns = marts.campaign_performance(demo_warehouse)
    totals = view.channel_totals(campaigns)
    budget = marts.budget_allocation(demo_warehouse, "channel")
    assert campaigns and budget, "the pipeline filled the campaign marts"

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "marketing")
    dash_duo.find_element("a.nav-link[href='/campaigns']").click()

    dash_duo.wait_for_text_to_equal(f"#{ids.CAMPAIGNS_SUMMARY}", view.campaigns_summary(totals), timeout=20)
    channels = dash_duo.find_elements(f"#{ids.CAMPAIGNS_CHANNELS} tbody tr")
    assert [r.find_element("css selector", "td").text for r in channels] == [
        fmt.channel(t["channel"]) for t in totals
    ]
    assert [r.find_elements("css selector", "td")[-1].text for r in channels] == [
        view.roi_text(t["roi"]) for t in totals
    ]
    rows = dash_duo.find_elements(f"#{ids.CAMPAIGNS_TABLE} tbody tr")
    assert [r.find_element("css selector", "td").text for r in rows] == [str(c["name"]) for c in campaigns]
    assert dash_duo.find_element(f"#{ids.CAMPAIGNS_BUDGET_SUMMARY}").text == budget_view.budget_summary(
        budget
    )
    screenshot(dash_duo, shots, "campaigns-desktop.png")

    fits_a_phone(dash_duo, shots, "campaigns-phone.png")
    viewport(dash_duo, 1440, 900, mobile=False)
    link = dash_duo.find_element(f"#{ids.CAMPAIGNS_BUDGET_LINK}")  # the budget card leads to the plan
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", link
    )
    dash_duo.wait_for_element("#budget-plan-table", timeout=20)
    assert dash_duo.driver.current_url.endswith("/budget")
    refused(
        dash_duo,
        "sales_rep",
        "/campaigns",
        ids.CAMPAIGNS_DENIED,
        "Campaigns are open to marketing, managers, analysts and administrators.",
    )
    assert dash_duo.get_logs() == []
