"""The identity review page in a real browser: a data steward decides a pair; other roles never see the page."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from components import ids
from tests.e2e.browser import sign_in, sign_out
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import customer_xref, identity_review, stg_customer

RECORDS = [  # (source, key, entity, company, e-mail, phone, postcode, customer)
    (
        "quickbooks",
        "41",
        "Customer",
        "London Bakery Ltd",
        "info@londonbakery.co.uk",
        "+442072413342",
        "E1 6AN",
        7,
    ),
    ("sales_leads", "L-0012", "Lead", "London Bakery", "info@londonbakery.co.uk", "+442079460018", None, 9),
    ("quickbooks", "88", "Customer", "Bright Cafe", "hello@brightcafe.co.uk", None, "BS1 4DJ", 12),
    ("sales_activities", "line-7", "Activity", "Bright Cafe Ltd", None, None, None, 15),
]


def _seed(warehouse: Warehouse) -> None:
    staged = [
        {"source": s, "source_key": k, "entity": e, "company_name": c, "email": m, "phone": p, "postcode": z,
         "land_id": n, "batch_id": 1}
        for n, (s, k, e, c, m, p, z, _) in enumerate(RECORDS, start=1)
    ]  # fmt: skip
    xref = [{"source": s, "source_key": k, "customer_key": key, "match_rule": "single", "batch_id": 1}
            for s, k, *_, key in RECORDS]  # fmt: skip
    pending = [
        ("quickbooks|41", "sales_leads|L-0012", 1.0, "rule:email"),
        ("quickbooks|88", "sales_activities|line-7", 0.93, "5"),
    ]
    with warehouse.begin() as conn:
        insert_rows(conn, stg_customer, staged)
        insert_rows(conn, customer_xref, xref)
        insert_rows(
            conn,
            identity_review,
            [
                {
                    "record_l": a,
                    "record_r": b,
                    "match_probability": p,
                    "match_key": k,
                    "status": "pending",
                    "batch_id": 1,
                }
                for a, b, p, k in pending
            ],  # fmt: skip
        )


@pytest.mark.browser
def test_a_steward_accepts_a_pair_and_a_manager_cannot_review(dash_duo, tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    _seed(warehouse)
    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), warehouse))
    dash_duo.driver.set_window_size(1440, 1000)

    sign_in(dash_duo, "data_steward")
    dash_duo.find_element("a.nav-link[href='/review']").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.REVIEW_COUNT}", "2 pairs wait for review", timeout=15)
    cards = dash_duo.find_elements(".review-card")
    assert len(cards) == 2
    first = cards[0].text  # the likelier pair first, both records side by side, differences marked
    assert "quickbooks|41" in first and "sales_leads|L-0012" in first and "customer 7" in first
    assert "info@londonbakery.co.uk" in first and "Match probability 1.000" in first and "same email" in first
    marked = [e.text for e in cards[0].find_elements_by_css_selector("td.review-differs")]
    assert marked == ["London Bakery Ltd", "London Bakery", "+442072413342", "+442079460018"]

    button = cards[0].find_element_by_xpath(".//button[text()='Same customer']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    dash_duo.wait_for_text_to_equal(f"#{ids.REVIEW_COUNT}", "1 pair waits for review", timeout=15)
    assert "are same customer" in dash_duo.find_element(f"#{ids.REVIEW_STATUS}").text
    assert "quickbooks|88" in dash_duo.find_element(".review-card").text
    with warehouse.engine.connect() as conn:
        decided = conn.execute(
            sa.select(identity_review.c.status, identity_review.c.decided_by).where(
                identity_review.c.record_l == "quickbooks|41"
            )
        ).one()
    assert tuple(decided) == ("accepted", "data_steward")

    # A manager: no Review link, and the page itself refuses.
    sign_out(dash_duo)
    sign_in(dash_duo, "manager")
    assert not dash_duo.driver.find_elements_by_css_selector("a.nav-link[href='/review']")
    dash_duo.driver.get(dash_duo.server_url + "/review")
    dash_duo.wait_for_contains_text(".portal-main", "Only data stewards", timeout=15)
    assert not dash_duo.driver.find_elements_by_css_selector(".review-card")
    assert dash_duo.get_logs() == []
