"""The identity review queue in a real browser: a data steward decides three pairs by keyboard at 1440 px,
the queue fits a 375 px phone, and other roles never see the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from dash.testing.wait import until

from app import create_app
from components import ids
from components import review as rv
from tests.e2e.browser import fits_a_phone, screenshot, sign_in, sign_out, viewport
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import customer_xref, identity_review, ops_audit_log, stg_customer

# (left record, right record, probability, evidence, company names): most uncertain (lowest) first.
PAIRS = [
    ("quickbooks|88", "sales_activities|line-7", 0.961, "5", ("Bright Cafe", "Bright Cafe Ltd")),
    ("quickbooks|12", "directory|D-3", 0.975, "7", ("Park Hotel Ltd", "Pqrk Hotel Ltd")),
    ("quickbooks|40", "instagram|ig-40", 0.990, "2", ("Price College", "price college")),
    ("quickbooks|41", "sales_leads|L-0012", 1.0, "rule:email", ("London Bakery Ltd", "London Bakery")),
    (
        "quickbooks|77",
        "sales_leads|L-0077",
        1.0,
        "rule:phone",
        ("Griffiths Electrical", "Griffiths Electrical Ltd"),
    ),
]


def _seed(warehouse: Warehouse) -> None:
    staged, xref = [], []
    for n, (left, right, _, _, names) in enumerate(PAIRS):
        for side, (record, name) in enumerate(zip((left, right), names, strict=True)):
            source, _, key = record.partition("|")
            staged.append({"source": source, "source_key": key, "entity": "Customer", "company_name": name,
                           "email": f"info@firm{n}.co.uk", "postcode": "BS1 4DJ" if side else None,
                           "land_id": len(staged) + 1, "batch_id": 1})  # fmt: skip
            xref.append({"source": source, "source_key": key, "customer_key": 100 + len(xref),
                         "match_rule": "new", "batch_id": 1})  # fmt: skip
    pending = [
        {
            "record_l": a,
            "record_r": b,
            "match_probability": p,
            "match_key": k,
            "status": "pending",
            "batch_id": 1,
        }
        for a, b, p, k, _ in PAIRS
    ]
    with warehouse.begin() as conn:
        insert_rows(conn, stg_customer, staged)
        insert_rows(conn, customer_xref, xref)
        insert_rows(conn, identity_review, pending)


def _shown(dash_duo, record: str) -> None:
    """Wait until the pair in front of the steward is the one with ``record``."""
    script = "var c = document.querySelector('.review-card'); return c ? c.innerText : '';"
    until(lambda: record in dash_duo.driver.execute_script(script), timeout=15)


def _press(dash_duo, key: str) -> None:
    dash_duo.find_element("body").send_keys(key)


@pytest.mark.browser
def test_a_steward_decides_three_pairs_by_keyboard_and_a_manager_cannot_review(
    dash_duo, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    _seed(warehouse)
    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)

    sign_in(dash_duo, "data_steward")
    dash_duo.find_element("a.nav-link[href='/review']").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.REVIEW_COUNT}", "5 pairs wait for review", timeout=15)
    _shown(dash_duo, "quickbooks|88")  # the most uncertain pair first, both records side by side
    card = dash_duo.find_element(".review-card").text
    assert "sales_activities|line-7" in card and "Match probability 0.961" in card and "pair 1 of 5" in card
    marked = [e.text for e in dash_duo.find_elements(".review-card td.review-differs")]
    assert marked == ["Bright Cafe", "Bright Cafe Ltd"]
    assert len(dash_duo.find_elements(".review-queue-item")) == 5
    screenshot(dash_duo, shots, "review-desktop.png")

    _press(dash_duo, "a")  # same customer: the next pair takes its place
    dash_duo.wait_for_text_to_equal(f"#{ids.REVIEW_COUNT}", "4 pairs wait for review", timeout=15)
    assert "are same customer" in dash_duo.find_element(f"#{ids.REVIEW_STATUS}").text
    _shown(dash_duo, "quickbooks|12")
    _press(dash_duo, "s")  # skip the typo'd hotel for now
    _shown(dash_duo, "quickbooks|40")
    _press(dash_duo, "r")  # different customers
    dash_duo.wait_for_text_to_equal(f"#{ids.REVIEW_COUNT}", "3 pairs wait for review", timeout=15)
    assert "are different customers" in dash_duo.find_element(f"#{ids.REVIEW_STATUS}").text
    _shown(dash_duo, "quickbooks|41")
    _press(dash_duo, "k")  # back to the skipped pair
    _shown(dash_duo, "quickbooks|12")
    _press(dash_duo, "a")
    dash_duo.wait_for_text_to_equal(f"#{ids.REVIEW_COUNT}", "2 pairs wait for review", timeout=15)

    with warehouse.engine.connect() as conn:
        decided = dict(
            conn.execute(
                sa.select(identity_review.c.record_l, identity_review.c.status).where(
                    identity_review.c.decided_by == "data_steward"
                )
            ).all()
        )
        audited = set(
            conn.execute(
                sa.select(ops_audit_log.c.object).where(ops_audit_log.c.actor == "data_steward")
            ).scalars()
        )
    assert decided == {"quickbooks|88": "accepted", "quickbooks|40": "rejected", "quickbooks|12": "accepted"}
    assert {f"{a} / {b}" for a, b, *_ in PAIRS[:3]} <= audited

    # The certain band holds the two rule matches; a steward accepts them together.
    dash_duo.find_element(f"#{rv.BAND} option[value='certain']").click()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.REVIEW_COUNT}", "2 pairs wait for review in this selection", timeout=15
    )

    _shown(dash_duo, "quickbooks|41")
    fits_a_phone(dash_duo, shots, "review-phone.png")  # the queue renders at 375 px without overflow
    bulk = dash_duo.find_element(f"#{rv.BULK_ACCEPT}")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", bulk)
    bulk.click()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.REVIEW_COUNT}", "0 pairs wait for review in this selection", timeout=15
    )
    assert "2 pairs marked same customer" in dash_duo.find_element(f"#{ids.REVIEW_STATUS}").text
    dash_duo.wait_for_text_to_equal(".review-empty", "No pairs wait for review.", timeout=15)

    # A manager: no Review link, and the page itself refuses.
    sign_out(dash_duo)
    sign_in(dash_duo, "manager")
    assert not dash_duo.driver.find_elements_by_css_selector("a.nav-link[href='/review']")
    dash_duo.driver.get(dash_duo.server_url + "/review")
    dash_duo.wait_for_contains_text(".portal-main", "Only data stewards", timeout=15)
    assert not dash_duo.driver.find_elements_by_css_selector(".review-card")
    assert dash_duo.get_logs() == []
