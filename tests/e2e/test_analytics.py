"""The Analytics page in a real browser, on the small demo warehouse of `tests.e2e.browser` (built by the
pipeline; the browser part takes 10–20 s). An analyst reads why revenue changed, the growth and
budget tables, switches the driver dimension and looks at the page on a phone; a sales rep gets
neither the navbar entry nor the page.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from dash.testing.wait import until

from app import create_app
from components import analytics as view
from components import drivers as why
from components import format as fmt
from components import ids
from tests.e2e.browser import fits_a_phone, refused, screenshot, sign_in, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse import analytics_queries as marts
from warehouse.engine import Warehouse


def _heatmap_rows(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.ANALYTICS_COHORT_GRAPH} .js-plotly-plot');"
        " return g && g.data && g.data.length ? Array.from(g.data[0].y) : [];"
    )


def _first_cells(dash_duo, table: str) -> list[str]:
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr td:first-child'))"
        ".map(e => e.innerText.trim());",
        table,
    )


def _graph_members(dash_duo) -> list[str]:
    """The chart's members as shown (labels carry markup escaped as entities, which Plotly shows as text)."""
    members = dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.ANALYTICS_DRIVER_GRAPH} .js-plotly-plot');"
        " return g && g.data && g.data.length ? Array.from(g.data[0].y) : [];"
    )
    return [html.unescape(m) for m in members]


@pytest.mark.browser
def test_analyst_reads_the_analytics_and_a_sales_rep_cannot(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    region = marts.kpi_drivers(demo_warehouse, "previous_week", dimension="region", top=10)
    category = marts.kpi_drivers(demo_warehouse, "previous_week", dimension="category", top=10)
    growth = {(r["metric"], r["comparison"]): r for r in marts.growth(demo_warehouse)}
    budget = marts.budget_allocation(demo_warehouse, "channel")
    assert region and category and growth and budget, "the pipeline filled the marts the page reads"

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "analyst")
    dash_duo.find_element("a.nav-link[href='/analytics']").click()

    # Why did revenue change: the sentence for the region drivers against last week, and its chart.
    sentence = why.driver_sentence(region, "previous_week")
    assert re.match(r"Revenue (rose|fell) \d+\.\d% in the week .* vs last week; .+ explains [+−]\d", sentence)
    dash_duo.wait_for_text_to_equal(f"#{ids.ANALYTICS_DRIVER_SENTENCE}", sentence, timeout=20)
    ranked = [str(r["member"]) for r in sorted(region, key=lambda r: r["rank"])]
    dash_duo.wait_for_element(f"#{ids.ANALYTICS_DRIVER_GRAPH} .main-svg")
    assert _graph_members(dash_duo) == ranked[::-1]  # rank 1 drawn on top

    # Growth: every metric × comparison, with the mart's change and an arrow.
    wow = growth[("revenue", "WoW")]
    cell = dash_duo.wait_for_element(f"#{ids.ANALYTICS_GROWTH} .growth-revenue-WoW .kpi-growth", timeout=10)
    assert cell.text == view.growth_cell(wow["change_pct"])[0]
    assert re.fullmatch(r"[▲▼►] [+-]?\d+\.\d%", cell.text)
    assert len(dash_duo.find_elements(f"#{ids.ANALYTICS_GROWTH} tbody tr")) == 4
    assert len(dash_duo.find_elements(f"#{ids.ANALYTICS_GROWTH} thead th")) == 6

    # Budget: one row per channel, biggest recommendation first, with money in every cell.
    rows = dash_duo.find_elements(f"#{ids.ANALYTICS_BUDGET} tbody tr")
    assert [r.find_elements("css selector", "td")[0].text for r in rows] == [
        fmt.channel(b["name"]) for b in budget
    ]
    assert all(re.search(r"£\d", r.text) for r in rows)
    assert dash_duo.find_element(f"#{ids.ANALYTICS_BUDGET_SUMMARY}").text == view.budget_summary(budget)
    # only groups with an estimate are listed; the section says how many lack the data for one
    assert re.search(
        r"\d+ of \d+ segment × category groups have a price elasticity estimate",
        dash_duo.find_element(f"#{ids.ANALYTICS_PRICE}").text,
    )
    assert dash_duo.find_elements(f"#{ids.ANALYTICS_RFM} tbody tr")
    assert not [a for a in dash_duo.find_elements(f"#{ids.ANALYTICS_ALERT}") if a.is_displayed()]

    # Customer behaviour: one heatmap row per recent first-purchase month; pairs bought together.
    cohorts = {r["cohort_month"] for r in marts.cohort_retention(demo_warehouse)}
    until(lambda: len(_heatmap_rows(dash_duo)) == len(cohorts) > 0, timeout=10)
    pairs = [str(p["item_a"]) for p in marts.product_affinity(demo_warehouse, "category", 15)]
    assert pairs, "the demo has category pairs"
    until(lambda: _first_cells(dash_duo, "#analytics-affinity-table") == pairs, timeout=10)
    screenshot(dash_duo, shots, "analytics-desktop.png")

    # Switch the dimension: sentence and chart follow.
    dash_duo.find_element(f"#{ids.ANALYTICS_DIMENSION} label[for$='_category']").click()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.ANALYTICS_DRIVER_SENTENCE}", why.driver_sentence(category, "previous_week"), timeout=10
    )
    ranked = [str(r["member"]) for r in sorted(category, key=lambda r: r["rank"])]
    until(lambda: _graph_members(dash_duo) == ranked[::-1], timeout=10)

    # Switch the KPI: orders have no category drivers (an order can span categories), but do by region.
    dash_duo.find_element(f"#{ids.ANALYTICS_KPI} label[for$='_orders']").click()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.ANALYTICS_DRIVER_SENTENCE}",
        "No category drivers for orders: one order can hold several categories.",
        timeout=10,
    )
    dash_duo.find_element(f"#{ids.ANALYTICS_DIMENSION} label[for$='_region']").click()
    orders = marts.kpi_drivers(demo_warehouse, "previous_week", dimension="region", top=10, kpi="orders")
    assert why.driver_sentence(orders, "previous_week").startswith("Orders ")
    dash_duo.wait_for_text_to_equal(
        f"#{ids.ANALYTICS_DRIVER_SENTENCE}", why.driver_sentence(orders, "previous_week"), timeout=10
    )

    # Switch the periods: the last 4 weeks against the 4 before.
    dash_duo.find_element(f"#{ids.ANALYTICS_BASELINE} label[for$='_previous_4_weeks']").click()
    month = marts.kpi_drivers(demo_warehouse, "previous_4_weeks", dimension="region", top=10, kpi="orders")
    assert why.driver_sentence(month, "previous_4_weeks").startswith("Orders ")
    dash_duo.wait_for_text_to_equal(
        f"#{ids.ANALYTICS_DRIVER_SENTENCE}", why.driver_sentence(month, "previous_4_weeks"), timeout=10
    )

    # Products bought together instead of categories.
    products_button = dash_duo.find_element(f"#{ids.ANALYTICS_AFFINITY_LEVEL} label[for$='_product']")
    # a DOM click: under viewport emulation selenium's pointer cannot reach below the first screen
    dash_duo.driver.execute_script("arguments[0].click();", products_button)
    products = [str(p["item_a"]) for p in marts.product_affinity(demo_warehouse, "product", 15)]
    until(lambda: _first_cells(dash_duo, "#analytics-affinity-table") == products, timeout=10)

    fits_a_phone(dash_duo, shots, "analytics-phone.png")
    refused(
        dash_duo,
        "sales_rep",
        "/analytics",
        ids.ANALYTICS_DENIED,
        "Analytics is open to analysts, managers and administrators.",
    )
    assert not dash_duo.find_elements(f"#{ids.ANALYTICS_DRIVER_SENTENCE}")

    assert dash_duo.get_logs() == []
