"""Drill-down and reports in a real browser, on the small demo warehouse of `tests.e2e.browser`.

An analyst drills London → a rep → a customer on the Overview and back by the breadcrumbs, sees a click
on one chart filter the others and reopens the drilled view from its address; a manager downloads the
chart on screen as XLSX and the Overview as PDF and finds the screen's rows and KPIs in them. Both at
1440 px and on a 375 px phone, with screenshots kept (``C360_SCREENSHOT_DIR``).
"""

from __future__ import annotations

import html
import os
import subprocess  # nosec B404 - runs pdftotext on a file the browser downloaded
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from app import create_app
from components import ids
from components.drill_panel import pid
from components.reports import render_pdf
from pipeline.reports import write_due_reports
from tests.e2e.browser import fits_a_phone, screenshot, sign_in, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse.engine import Warehouse

TIME, PLACE, PRODUCT = (pid("overview", f"{axis}-graph") for axis in ("time", "place", "product"))


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def bars(dash_duo, graph: str) -> dict[str, float]:
    """The chart's main trace as drawn in the browser: label → revenue."""
    data = dash_duo.driver.execute_script(
        "const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        " if (!g || !g.data || !g.data.length) return null;"
        " const t = g.data[g.data.length - 1];"
        " const h = t.orientation === 'h';"
        " return {labels: Array.from(h ? t.y : t.x), values: Array.from(h ? t.x : t.y)};",
        graph,
    )
    if not data:
        return {}
    return {html.unescape(str(k)): float(v) for k, v in zip(data["labels"], data["values"], strict=True)}


def total(dash_duo, graph: str) -> float:
    return round(sum(bars(dash_duo, graph).values()), 2)


def settled(dash_duo) -> None:
    """Wait until no callback is in flight: a chart redrawn while it is clicked loses the click."""
    until(lambda: not dash_duo.redux_state_rqs, timeout=20, msg="callbacks still running")


def click_bar(dash_duo, graph: str, label: str) -> None:
    """Click the bar of ``label`` in the chart's main trace the way a user does (a real mouse click), once
    the page has settled; scrolled there at once first (the page scrolls smoothly, and a click during the
    scroll lands where the bar was)."""
    settled(dash_duo)
    index = list(bars(dash_duo, graph)).index(label)
    point = dash_duo.driver.execute_script(
        "const traces = document.querySelectorAll('#' + arguments[0] + ' .barlayer .trace');"
        " const p = traces[traces.length - 1].querySelectorAll('.point')[arguments[1]];"
        " p.scrollIntoView({block: 'center', behavior: 'instant'}); return p;",
        graph,
        index,
    )
    ActionChains(dash_duo.driver).move_to_element(point).click().perform()


def crumbs(dash_duo, axis: str) -> str:
    """The breadcrumb trail as the user reads it (read in one go: the trail is redrawn as the user drills)."""
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' .drill-crumb, #' + arguments[0]"
        " + ' .drill-crumb-current')).map(e => e.innerText.trim()).join(' › ');",
        pid("overview", axis + "-crumbs"),
    )


def press(dash_duo, element: Any) -> None:
    """Scroll a button into view and press it (under the device-metrics override selenium's own click
    misreads where elements below the first screen are)."""
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element
    )


def click_crumb(dash_duo, axis: str, label: str) -> None:
    """Click the breadcrumb step called ``label``."""
    steps = dash_duo.find_elements(f"#{pid('overview', axis + '-crumbs')} .drill-crumb")
    press(dash_duo, next(e for e in steps if e.text == label))


def wait_crumbs(dash_duo, axis: str, expected: str) -> None:
    until(lambda: crumbs(dash_duo, axis) == expected, timeout=20, msg=f"{axis} trail is not {expected!r}")


def wait_bars(dash_duo, graph: str, check: Any, msg: str) -> dict[str, float]:
    until(lambda: bool(bars(dash_duo, graph)) and check(bars(dash_duo, graph)), timeout=20, msg=msg)
    return bars(dash_duo, graph)


@pytest.mark.browser
def test_analyst_drills_london_to_a_customer_and_back(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = _shots(tmp_path)
    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "analyst")
    regions = wait_bars(dash_duo, PLACE, lambda b: "London" in b, "no London bar on the Overview")
    wait_crumbs(dash_duo, "place", "All regions")
    everything = total(dash_duo, TIME)
    assert everything == pytest.approx(sum(regions.values()), abs=1)

    # A click on London drills the place chart to its reps and filters the time and product charts to London.
    click_bar(dash_duo, PLACE, "London")
    wait_crumbs(dash_duo, "place", "All regions › London")
    reps = wait_bars(dash_duo, PLACE, lambda b: "London" not in b, "the place chart did not drill")
    assert sum(reps.values()) == pytest.approx(regions["London"], abs=1)
    until(lambda: total(dash_duo, TIME) == pytest.approx(regions["London"], abs=1), timeout=20)
    until(lambda: total(dash_duo, PRODUCT) == pytest.approx(regions["London"], abs=1), timeout=20)
    assert total(dash_duo, TIME) < everything
    assert "place=London" in dash_duo.driver.current_url

    # → the top rep → their top customer.
    rep = next(iter(sorted(reps, key=lambda k: -reps[k])))
    click_bar(dash_duo, PLACE, rep)
    wait_crumbs(dash_duo, "place", f"All regions › London › {rep}")
    customers = wait_bars(dash_duo, PLACE, lambda b: rep not in b, "the rep did not drill to customers")
    customer = max(customers, key=lambda k: customers[k])
    click_bar(dash_duo, PLACE, customer)
    wait_crumbs(dash_duo, "place", f"All regions › London › {rep} › {customer}")
    until(lambda: total(dash_duo, TIME) == pytest.approx(customers[customer], abs=1), timeout=20)
    screenshot(dash_duo, shots, "drill-customer-desktop.png")

    # The address holds the view: reloading (or sharing the link) opens the same drill.
    dash_duo.driver.refresh()
    wait_crumbs(dash_duo, "place", f"All regions › London › {rep} › {customer}")
    until(lambda: total(dash_duo, TIME) == pytest.approx(customers[customer], abs=1), timeout=20)
    fits_a_phone(dash_duo, shots, "drill-customer-phone.png")

    # Back by the breadcrumbs: London's reps, then every region again.
    click_crumb(dash_duo, "place", "London")
    wait_crumbs(dash_duo, "place", "All regions › London")
    wait_bars(dash_duo, PLACE, lambda b: set(b) == set(reps), "the breadcrumb did not step back to the reps")
    click_crumb(dash_duo, "place", "All regions")
    wait_crumbs(dash_duo, "place", "All regions")
    wait_bars(
        dash_duo, PLACE, lambda b: set(b) == set(regions), "the breadcrumb did not step back to regions"
    )
    until(lambda: total(dash_duo, TIME) == pytest.approx(everything, abs=1), timeout=20)

    # A click on a year in the time chart filters the region chart to that year.
    years = bars(dash_duo, TIME)
    year = max(years, key=lambda k: years[k])
    click_bar(dash_duo, TIME, year)
    wait_crumbs(dash_duo, "time", f"All years › {year}")
    until(lambda: total(dash_duo, PLACE) == pytest.approx(years[year], abs=1), timeout=20)
    assert dash_duo.get_logs() == []


def pdf_text(path: Path) -> str:
    out = path.with_suffix(".txt")
    subprocess.run(["pdftotext", "-layout", str(path), str(out)], check=True, timeout=60)  # nosec B603 B607
    return " ".join(out.read_text().split())


def finished(folder: Path, suffix: str) -> list[Path]:
    """The downloads of ``suffix`` the browser has finished: while one is under way Chrome keeps a
    ``.crdownload`` beside an empty file of the final name."""
    files = sorted(folder.iterdir())
    if any(p.suffix == ".crdownload" for p in files):
        return []
    return [p for p in files if p.suffix == suffix and p.stat().st_size > 0]


def downloaded(folder: Path, suffix: str, count: int = 1) -> list[Path]:
    """Wait until ``count`` downloads of ``suffix`` have finished, and return them."""
    until(lambda: len(finished(folder, suffix)) == count, timeout=30, msg=f"no {suffix} downloaded")
    return finished(folder, suffix)


@pytest.mark.browser
def test_manager_downloads_what_is_on_screen_as_xlsx_and_pdf(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots, downloads = _shots(tmp_path), tmp_path / "downloads"
    downloads.mkdir()
    written = write_due_reports(demo_warehouse, tmp_path / "var", render_pdf)  # what the scheduler's job does
    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    dash_duo.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "manager")
    dash_duo.driver.get(dash_duo.server_url + "/?place=London")  # a shared link
    wait_crumbs(dash_duo, "place", "All regions › London")
    reps = wait_bars(dash_duo, PLACE, lambda b: "London" not in b, "London's reps are not shown")
    kpis = {
        key: dash_duo.wait_for_element(f"#{ids.kpi_value(key)}", timeout=20).text
        for key in ("revenue-today", "revenue-week", "active-customers")
    }
    summary = dash_duo.find_element(f"#{pid('overview', 'summary')}").text
    screenshot(dash_duo, shots, "reports-overview-desktop.png")

    buttons = dash_duo.find_elements(f"#{pid('overview', 'place-crumbs')} + div button")
    press(dash_duo, next(b for b in buttons if b.text == "XLSX"))
    book = openpyxl.load_workbook(downloaded(downloads, ".xlsx")[0])
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Rep", "Revenue", "Orders")
    assert {r[0]: r[1] for r in rows[1:]} == pytest.approx(reps)

    press(dash_duo, dash_duo.find_element(f"#{ids.OVERVIEW_PDF}"))
    text = pdf_text(downloaded(downloads, ".pdf")[0])
    assert all(value in text for value in kpis.values()), (kpis, text[:500])
    assert " ".join(summary.split()) in text
    assert "All regions › London" in text
    assert all(rep in text for rep in reps)
    fits_a_phone(dash_duo, shots, "reports-overview-phone.png")

    # The Reports page lists the manager's scheduled reports (not the analyst's) and downloads them.
    assert dash_duo.find_element("a.nav-link[href='/reports']")  # in the manager's navbar
    dash_duo.driver.get(dash_duo.server_url + "/reports")
    dash_duo.wait_for_element("#reports-now-campaigns", timeout=10)
    links = [a.get_attribute("href") for a in dash_duo.find_elements("#reports-table a.report-link")]
    mine = sorted(str(p.relative_to(tmp_path / "var" / "reports")) for p in written if "/manager/" in str(p))
    assert len(mine) == 6 and sorted(h.split("/reports/files/")[1] for h in links) == mine
    weekly = next(
        a
        for a in dash_duo.find_elements("#reports-table a.report-link")
        if "weekly" in a.get_attribute("href")
    )
    press(dash_duo, weekly)
    scheduled = next(p for p in downloaded(downloads, ".pdf", count=2) if "overview-report" not in p.name)
    assert scheduled.read_bytes().startswith(b"%PDF") and "Miracle Customer 360 · prepared for" in pdf_text(
        scheduled
    )
    screenshot(dash_duo, shots, "reports-page-desktop.png")
    viewport(dash_duo, 375, 812, mobile=True)
    screenshot(dash_duo, shots, "reports-page-phone.png")
    assert dash_duo.get_logs() == []
