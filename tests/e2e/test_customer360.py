"""A sales rep's Customer 360 in a real browser at 1440 px and 375 px, on the demo warehouse of
`tests.e2e.browser` (built by the real pipeline).

The rep looks after two businesses that share a contact (the demo's relationship, both given to one rep in
a copy of the warehouse). They open one: the timeline (and its older page), the purchases by category and
the related customer with a link are what the warehouse holds; on a phone the page opens with the next
action and one-tap call, e-mail and directions, then the last orders, with nothing wider than the screen.
Another rep's customer reads "no such customer".
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from dash.testing.wait import until

from app import create_app
from components import customer360 as c360
from components import format as fmt
from tests.e2e.browser import screenshot, sign_in, viewport
from tests.unit.portal.portal_data import PASSWORD, portal_settings
from warehouse import users
from warehouse.customer360 import purchase_history
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.schema import customer_relationship, dim_customer
from warehouse.timeline import customer_timeline

REP_USER = "rep360"


def _texts(dash_duo, selector: str) -> list[str]:
    script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());"
    return list(dash_duo.driver.execute_script(script, selector))


def _top(dash_duo, selector: str) -> float:
    return float(dash_duo.driver.execute_script(
        "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY;", selector
    ))  # fmt: skip


def _rep_world(demo_warehouse: Warehouse, root: Path) -> tuple[Warehouse, int, int, int]:
    """A copy of the demo warehouse where one rep looks after both customers of a relationship, and a user
    for that rep; returns (warehouse, the customer, the related customer, another rep's customer)."""
    source = sqlite3.connect(str(demo_warehouse.engine.url.database))
    target = sqlite3.connect(str(root / "rep.db"))
    source.backup(target)
    source.close()
    target.close()
    warehouse = Warehouse.from_url(f"sqlite:///{root / 'rep.db'}")
    rel = warehouse.rows(sa.select(customer_relationship).order_by(customer_relationship.c.strength.desc()))
    assert rel, "the demo has a relationship between customers"
    a, b = int(rel[0]["customer_key_a"]), int(rel[0]["customer_key_b"])
    rep = warehouse.scalar(sa.select(dim_customer.c.rep_key).where(dim_customer.c.customer_key == a))
    with warehouse.begin() as conn:
        conn.execute(dim_customer.update().where(dim_customer.c.customer_key == b).values(rep_key=rep))
    users.create_user(warehouse, REP_USER, PASSWORD, "sales_rep", "Rep of both", rep_key=int(rep))
    other = warehouse.scalar(
        sa.select(sa.func.min(dim_customer.c.customer_key)).where(
            dim_customer.c.rep_key != rep, dim_customer.c.customer_key > 0
        )
    )
    return warehouse, a, b, int(other)


@pytest.mark.browser
def test_a_rep_opens_a_profile_on_desktop_and_phone(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    warehouse, key, related, forbidden = _rep_world(demo_warehouse, tmp_path)
    viewer = Viewer(REP_USER, "sales_rep", warehouse.scalar(
        sa.select(dim_customer.c.rep_key).where(dim_customer.c.customer_key == key)
    ))  # fmt: skip
    first = customer_timeline(warehouse, key, limit=20, viewer=viewer)
    assert first is not None and first.items
    lines, categories = purchase_history(warehouse, key, viewer)
    name, phone, email = (
        list(warehouse.rows(sa.select(dim_customer.c.name, dim_customer.c.phone, dim_customer.c.email)
                            .where(dim_customer.c.customer_key == key))[0].values())
    )  # fmt: skip
    related_name = warehouse.scalar(
        sa.select(dim_customer.c.name).where(dim_customer.c.customer_key == related)
    )

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, REP_USER)
    dash_duo.driver.get(f"{dash_duo.server_url}/customer/{key}")
    dash_duo.wait_for_text_to_equal("#customer-name", str(name), timeout=20)

    # The timeline: the warehouse's newest twenty items, newest first; "Older" brings the next page.
    titles = [i.title for i in first.items]
    until(
        lambda: (
            [t.split("\n")[0] for t in _texts(dash_duo, f"#{c360.TIMELINE} .c360-timeline-item .fw-semibold")]
            == titles
        ),
        timeout=10,
    )
    if first.next_before:
        second = customer_timeline(warehouse, key, limit=20, before=first.next_before, viewer=viewer)
        assert second is not None
        dash_duo.find_element(f"#{c360.TIMELINE_OLDER}").click()
        until(
            lambda: (
                _texts(dash_duo, f"#{c360.TIMELINE} .c360-timeline-item .fw-semibold")
                == [i.title for i in second.items]
            ),
            timeout=10,
        )
        dash_duo.wait_for_text_to_equal(f"#{c360.TIMELINE_PAGE}", "Page 2", timeout=5)
        dash_duo.find_element(f"#{c360.TIMELINE_NEWER}").click()
        until(
            lambda: _texts(dash_duo, f"#{c360.TIMELINE} .c360-timeline-item .fw-semibold") == titles,
            timeout=10,
        )

    # Purchases by category with the warehouse's totals; the related customer, linked, in the network chart.
    purchases = dash_duo.find_element(f"#{c360.PURCHASES}").text
    assert lines and categories[0]["category"] in purchases
    assert fmt.money(float(categories[0]["revenue"])) in purchases
    assert str(lines[0]["product"]) in purchases
    link = dash_duo.find_element(f"#{c360.RELATIONSHIPS} a[href='/customer/{related}']")
    assert link.text == str(related_name)
    dash_duo.wait_for_element(f"#{c360.RELATIONSHIP_GRAPH} .main-svg", timeout=10)
    reasons = _texts(dash_duo, f"#{c360.SOURCE_RECORDS} .c360-reason")
    assert reasons and all(r.startswith("Joined: ") and "p=" not in r for r in reasons)
    assert dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ), "nothing wider than a desktop window"
    screenshot(dash_duo, shots, "customer360-rep-desktop.png")

    # On a phone: next action and one-tap links first, then the last orders; nothing cut off at the right.
    viewport(dash_duo, 375, 812, mobile=True)
    dash_duo.driver.get(f"{dash_duo.server_url}/customer/{key}")
    dash_duo.wait_for_text_to_equal("#customer-name", str(name), timeout=20)
    call = dash_duo.find_element(f"#{c360.CALL_LINK}")
    assert call.get_attribute("href") == "tel:" + "".join(c for c in str(phone) if c.isdigit() or c == "+")
    assert dash_duo.find_element(f"#{c360.EMAIL_LINK}").get_attribute("href") == f"mailto:{email}"
    assert (
        dash_duo.find_element(f"#{c360.MAPS_LINK}")
        .get_attribute("href")
        .startswith("https://www.google.com/maps/")
    )
    assert (
        _top(dash_duo, f"#{c360.CONTACT_BAR}")
        < _top(dash_duo, f"#{c360.LAST_ORDERS}")
        < _top(dash_duo, f"#{c360.TIMELINE}")
    )
    assert _top(dash_duo, f"#{c360.CONTACT_BAR}") < 400, "the contact bar is on the first screen"
    until(
        lambda: dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= 375,
        timeout=5,
    )
    # Golden-record rows are as tall as their text: each label is one line, each value at most its value
    # line plus the provenance line(s).
    heights = dash_duo.driver.execute_script(
        "const lh = e => parseFloat(getComputedStyle(e).lineHeight);"
        "return Array.from(document.querySelectorAll('#customer-golden-record dt')).map(dt => {"
        " const dd = dt.nextElementSibling; return [dt.getBoundingClientRect().height / lh(dt),"
        " dd.getBoundingClientRect().height / lh(dd)]; });"
    )
    assert heights and all(label <= 1.5 and value <= 4.5 for label, value in heights), heights
    screenshot(dash_duo, shots, "customer360-rep-phone.png")
    viewport(dash_duo, 1440, 900, mobile=False)

    # Another rep's customer reads exactly like a missing one.
    dash_duo.driver.get(f"{dash_duo.server_url}/customer/{forbidden}")
    dash_duo.wait_for_text_to_equal(".alert", f"There is no customer {forbidden}.", timeout=15)
    assert dash_duo.get_logs() == []
