"""The older Analytics charts drill in a real browser, on the small demo warehouse of `tests.e2e.browser`, at
1440 px and on a 375 px phone: an analyst drills the RFM chart from a segment to its regions and a region's
reps (the drill-down charts follow the region), reopens the view from its address, steps back by the
breadcrumbs; a click on a cohort cell drills the revenue charts to that month, and a band of the
order-count spread drills to its customers' regions."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from app import create_app
from components.drill_panel import pid
from components.rfm_drill import rid
from tests.e2e.browser import screenshot, sign_in, viewport
from tests.e2e.test_drill_reports import bars, click_bar, press, settled, total, wait_bars
from tests.unit.portal.portal_data import portal_settings
from warehouse import analytics_queries as marts
from warehouse.engine import Warehouse

RFM, PLACE, TIME = rid("analytics", "graph"), pid("analytics", "place-graph"), pid("analytics", "time-graph")


def trail(dash_duo, nav: str) -> str:
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' .drill-crumb, #' + arguments[0]"
        " + ' .drill-crumb-current')).map(e => e.innerText.trim()).join(' › ');",
        nav,
    )


def wait_trail(dash_duo, nav: str, expected: str) -> None:
    until(lambda: trail(dash_duo, nav) == expected, timeout=20, msg=f"{nav} trail is not {expected!r}")


def click_cell(dash_duo, graph: str, column: int, row: int) -> None:
    """Click the middle of a heatmap cell the way a user does (a real mouse click at its place; this
    selenium measures the offset from the element's top-left corner)."""
    settled(dash_duo)
    plot = dash_duo.driver.execute_script(
        "return document.querySelector('#' + arguments[0] + ' .js-plotly-plot');", graph
    )
    x, y = dash_duo.driver.execute_script(
        "const g = arguments[0], l = g._fullLayout, t = g.data[0];"
        " return [l.xaxis._offset + l.xaxis.d2p(t.x[arguments[1]]), l.yaxis._offset + l.yaxis.d2p(t.y[arguments[2]])];",
        plot,
        column,
        row,
    )
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", plot
    )
    ActionChains(dash_duo.driver).move_to_element_with_offset(plot, int(x), int(y)).click().perform()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (375, 812, True)])
def test_analyst_drills_the_rfm_chart_and_a_cohort_cell(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path, width: int, height: int, phone: bool
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    segments = {r["segment"]: float(r["monetary"]) for r in marts.rfm_segments(demo_warehouse)}
    cohorts = marts.cohort_retention(demo_warehouse)
    assert segments and cohorts, "the pipeline filled the RFM and cohort marts"

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    viewport(dash_duo, width, height, mobile=phone)
    sign_in(dash_duo, "analyst")
    dash_duo.driver.get(dash_duo.server_url + "/analytics")
    shown = wait_bars(dash_duo, RFM, lambda b: set(b) == set(segments), "the RFM chart shows no segments")
    assert shown == pytest.approx(segments, abs=1)
    wait_trail(dash_duo, rid("analytics", "crumbs"), "All segments")

    # A segment drills to its regions, whose spend adds up to the segment's.
    segment = max(segments, key=lambda s: segments[s])
    click_bar(dash_duo, RFM, segment)
    wait_trail(dash_duo, rid("analytics", "crumbs"), f"All segments › {segment}")
    regions = wait_bars(dash_duo, RFM, lambda b: segment not in b, "the segment did not drill to regions")
    assert sum(regions.values()) == pytest.approx(segments[segment], abs=1)
    until(lambda: "rfm=" in dash_duo.driver.current_url, timeout=10)

    # A region drills to its reps and filters the drill-down charts to that region.
    region = max(regions, key=lambda r: regions[r])
    click_bar(dash_duo, RFM, region)
    wait_trail(dash_duo, rid("analytics", "crumbs"), f"All segments › {segment} › {region}")
    reps = wait_bars(dash_duo, RFM, lambda b: region not in b, "the region did not drill to reps")
    assert sum(reps.values()) == pytest.approx(regions[region], abs=1)
    wait_trail(dash_duo, pid("analytics", "place-crumbs"), f"All regions › {region}")
    screenshot(dash_duo, shots, f"analytics-rfm-drill-{width}.png")

    # The address holds the view: a reload opens the same drill.
    dash_duo.driver.refresh()
    wait_trail(dash_duo, rid("analytics", "crumbs"), f"All segments › {segment} › {region}")
    wait_bars(dash_duo, RFM, lambda b: b == pytest.approx(reps, abs=1), "the reload lost the drill")

    # Back by the breadcrumbs: the segment's regions, then the segments (of that region's customers).
    steps = dash_duo.find_elements(f"#{rid('analytics', 'crumbs')} .drill-crumb")
    press(dash_duo, next(e for e in steps if e.text == segment))
    wait_trail(dash_duo, rid("analytics", "crumbs"), f"All segments › {segment}")
    wait_bars(dash_duo, RFM, lambda b: set(b) == set(regions), "the breadcrumb did not step back to regions")
    wait_trail(dash_duo, pid("analytics", "place-crumbs"), "All regions")
    steps = dash_duo.find_elements(f"#{rid('analytics', 'crumbs')} .drill-crumb")
    press(dash_duo, next(e for e in steps if e.text == "All segments"))
    wait_bars(
        dash_duo, RFM, lambda b: set(b) == set(segments), "the breadcrumb did not step back to segments"
    )
    assert "rfm=" not in dash_duo.driver.current_url

    # A band of the order-count spread drills to the regions of its customers, and back.
    frequency, crumbs = rid("analytics", "graph", "frequency"), rid("analytics", "crumbs", "frequency")
    spread = wait_bars(dash_duo, frequency, lambda b: len(b) > 1, "the order-count spread is empty")
    band = max(spread, key=lambda k: spread[k])
    click_bar(dash_duo, frequency, band)
    wait_trail(dash_duo, crumbs, f"All order counts › {band} orders")
    places = wait_bars(dash_duo, frequency, lambda b: band not in b, "the band did not drill to regions")
    assert sum(places.values()) == pytest.approx(spread[band], abs=0.5)
    until(lambda: "frequency=" in dash_duo.driver.current_url, timeout=10)
    press(
        dash_duo,
        next(e for e in dash_duo.find_elements(f"#{crumbs} .drill-crumb") if e.text == "All order counts"),
    )
    wait_bars(
        dash_duo, frequency, lambda b: b == pytest.approx(spread, abs=0.5), "the breadcrumb lost the spread"
    )

    # A cohort cell drills the revenue charts to the month it shows.
    newest = max(r["cohort_month"] for r in cohorts)
    everything = total(dash_duo, TIME)
    click_cell(dash_duo, "analytics-cohort-graph", 0, 0)  # the newest cohort's first month
    month = dt.date.fromisoformat(str(newest)[:10])
    wait_trail(
        dash_duo,
        pid("analytics", "time-crumbs"),
        f"All years › {month.year} › Q{(month.month - 1) // 3 + 1} {month.year} › {month:%b %Y}",
    )
    until(lambda: 0 < total(dash_duo, TIME) < everything, timeout=20)
    assert set(bars(dash_duo, TIME)) <= {f"{month:%b %Y}"} | {
        k for k in bars(dash_duo, TIME) if k.startswith("Week of")
    }
    screenshot(dash_duo, shots, f"analytics-cohort-drill-{width}.png")
    if phone:
        assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= width
    assert dash_duo.get_logs() == []
