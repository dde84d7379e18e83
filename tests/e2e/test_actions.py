"""The Actions page and the Customer 360 outlook in a real browser, on the demo warehouse of
`tests.e2e.browser` (scored by the pipeline's own models).

A sales rep opens their actions: the counts, the order and the prospects are what the marts hold for
their customers; they filter one kind of action, open the top customer's profile and read its next best
action. A manager sees every rep's actions, pages through them on a phone, picks one rep, and narrows
the list to a target segment (a region and a spend band).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from dash.testing.wait import until

from app import create_app
from components import actions as view
from components import format as fmt
from components import ids
from tests.e2e.browser import screenshot, sign_in, sign_out, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse import action_queries as queries
from warehouse.engine import Warehouse
from warehouse.schema import app_user


def _texts(dash_duo, selector: str) -> list[str]:
    """The text of every element matching ``selector``, read in one script (no stale elements while the
    page re-renders)."""
    script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());"
    return list(dash_duo.driver.execute_script(script, selector))


def _table_column(dash_duo, column: str) -> list[str]:
    return _texts(dash_duo, f"#{ids.ACTIONS_TABLE} td[data-dash-column='{column}']")


def _count_text(total: int) -> str:
    return f"{fmt.count(total)} {'customer' if total == 1 else 'customers'}, highest expected value first"


@pytest.mark.browser
def test_a_sales_rep_works_their_actions_on_desktop_and_phone(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    rep_key = demo_warehouse.scalar(sa.select(app_user.c.rep_key).where(app_user.c.username == "sales_rep"))
    assert rep_key is not None, "the demo sales rep is linked to a rep"
    mine = queries.ActionScope(rep_key=int(rep_key))
    rows, total = queries.actions(demo_warehouse, mine, page_size=25)
    summary = queries.action_summary(demo_warehouse, mine)
    assert total > 0 and summary, "the demo rep has actions"
    kind = str(summary[0]["action"])  # the kind worth most to this rep
    picked, picked_total = queries.actions(demo_warehouse, queries.ActionScope(int(rep_key), kind))

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "sales_rep")
    dash_duo.find_element("a.nav-link[href='/actions']").click()

    # The rep's own actions, highest expected value first, each with the score that earned it.
    dash_duo.wait_for_text_to_equal(f"#{ids.ACTIONS_COUNT}", _count_text(total), timeout=20)
    until(lambda: _table_column(dash_duo, "reason") == [view.reason(r) for r in rows], timeout=10)
    assert _table_column(dash_duo, "name") == [str(r["name"]) for r in rows]
    assert _table_column(dash_duo, "action_value")[0] == fmt.money(float(rows[0]["action_value"]))
    assert not dash_duo.find_elements(f"#{ids.ACTIONS_TABLE} td[data-dash-column='rep']")  # all theirs
    labels = [view.action_label(s["action"]) for s in summary]  # the summary is a callback of its own
    until(lambda: _texts(dash_duo, f"#{ids.ACTIONS_SUMMARY} .kpi-card .kpi-label") == labels, timeout=10)
    prospects = [str(p["name"]) for p in queries.prospects(demo_warehouse, int(rep_key), 25)]
    until(
        lambda: _texts(dash_duo, "#actions-prospects-table tbody tr td:first-child") == prospects, timeout=10
    )
    screenshot(dash_duo, shots, "actions-desktop.png")

    # One kind of action only.
    dash_duo.find_element(f"#{ids.ACTIONS_FILTER} label[for$='_{kind}']").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.ACTIONS_COUNT}", _count_text(picked_total), timeout=10)
    until(lambda: _table_column(dash_duo, "action") == [view.action_label(kind)] * len(picked), timeout=10)

    # Its top customer: the Customer 360 page shows the same action and why.
    dash_duo.find_element(f"#{ids.ACTIONS_TABLE} td[data-dash-column='name'] a").click()
    outlook = dash_duo.wait_for_element(f"#{ids.CUSTOMER_OUTLOOK}", timeout=10)
    assert view.action_label(kind) in outlook.text and view.reason(picked[0]) in outlook.text
    dash_duo.wait_for_text_to_equal("#customer-name", str(picked[0]["name"]), timeout=5)

    # A manager sees every rep's actions; on a phone the list replaces the table, nothing is wider
    # than the screen, and it pages.
    sign_out(dash_duo)
    sign_in(dash_duo, "manager")
    everyone = queries.ActionScope()
    rows, total = queries.actions(demo_warehouse, everyone, page_size=25)
    assert total > 25, "more than a page of actions in the demo"
    dash_duo.driver.get(dash_duo.server_url + "/actions")
    viewport(dash_duo, 375, 812, mobile=True)
    dash_duo.wait_for_text_to_equal(f"#{ids.ACTIONS_COUNT}", _count_text(total), timeout=20)
    until(lambda: dash_duo.find_element(f"#{ids.ACTIONS_LIST} .action-list").is_displayed(), timeout=10)
    assert not dash_duo.find_element(f"#{ids.ACTIONS_TABLE}").is_displayed()
    until(
        lambda: dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= 375,
        timeout=5,
    )
    assert _texts(dash_duo, f"#{ids.ACTIONS_LIST} .list-group-item a")[0] == str(rows[0]["name"])
    screenshot(dash_duo, shots, "actions-phone.png")
    # (a DOM click: under device emulation selenium's pointer lands outside the emulated viewport)
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(f"#{ids.ACTIONS_NEXT}"))
    second, _ = queries.actions(demo_warehouse, everyone, page=1, page_size=25)
    until(
        lambda: _texts(dash_duo, f"#{ids.ACTIONS_LIST} .list-group-item a")[:1] == [str(second[0]["name"])],
        timeout=10,
    )
    assert "Page 2 of" in _texts(dash_duo, f"#{ids.ACTIONS_LIST}")[0]
    viewport(dash_duo, 1440, 900, mobile=False)

    # The manager picks the demo rep: that rep's actions, now with the rep column.
    dash_duo.find_element(f"#{ids.ACTIONS_REP} option[value='{rep_key}']").click()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.ACTIONS_COUNT}", _count_text(len(queries.all_actions(demo_warehouse, mine))), timeout=10
    )
    reps = set(_table_column(dash_duo, "rep"))
    assert len(reps) == 1 and reps != {"Unassigned"}

    # A target segment: every rep's customers in the region of the top action, with high spend.
    dash_duo.find_element(f"#{ids.ACTIONS_REP} option[value='all']").click()
    region = next(str(r["region"]) for r in queries.all_actions(demo_warehouse, everyone) if r["region"])
    target = queries.ActionScope(region=region, spend="high")
    targeted = queries.all_actions(demo_warehouse, target)
    assert targeted, "the demo has high spenders in that region"
    dash_duo.find_element(f"#{ids.ACTIONS_REGION} option[value='{region}']").click()
    dash_duo.find_element(f"#{ids.ACTIONS_SPEND} option[value='high']").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.ACTIONS_COUNT}", _count_text(len(targeted)), timeout=10)
    until(lambda: _table_column(dash_duo, "name") == [str(r["name"]) for r in targeted[:25]], timeout=10)

    assert dash_duo.get_logs() == []
