"""The Customer 360 page through the portal: contact links, timeline (filtered and paged), purchases,
relationships, masking for analysts, and a steward's audited override."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from components import customer360 as c360
from tests.unit.portal.portal_data import PASSWORD, call_callback, portal_settings, sign_in
from tests.unit.warehouse import c360_data
from warehouse import audit, users
from warehouse.engine import Warehouse
from warehouse.timeline import customer_timeline

OUTPUTS = [
    (c360.TIMELINE, "children"),
    (c360.TIMELINE_CURSORS, "data"),
    (c360.TIMELINE_OLDER, "disabled"),
    (c360.TIMELINE_NEWER, "disabled"),
    (c360.TIMELINE_PAGE, "children"),
]


@pytest.fixture(scope="module")
def c360_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    warehouse = c360_data.build(Warehouse.from_url(f"sqlite:///{tmp_path_factory.mktemp('c360') / 'w.db'}"))
    users.ensure_demo_users(warehouse, PASSWORD)  # sales_rep is rep 1: customers 1 and 3
    return warehouse


@pytest.fixture
def client(c360_warehouse: Warehouse, tmp_path: Path) -> Iterator[FlaskClient]:
    with create_app(portal_settings(tmp_path), c360_warehouse).server.test_client() as c:
        yield c


def _page(client: FlaskClient, path: str) -> str:
    answer = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", "")],
    )
    assert answer.status_code == 200
    return json.dumps(answer.get_json()["response"]["_pages_content"]["children"], ensure_ascii=False)


def _timeline(client: FlaskClient, kinds: list[str], cursors: dict[str, Any], changed: str) -> dict[str, Any]:
    answer = call_callback(
        client,
        OUTPUTS,
        [
            (c360.TIMELINE_KINDS, "value", kinds),
            (c360.TIMELINE_OLDER, "n_clicks", 1),
            (c360.TIMELINE_NEWER, "n_clicks", None),
        ],
        [(c360.TIMELINE_CURSORS, "data", cursors), (c360.TIMELINE_KEY, "data", 1)],
        changed=changed,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return dict(answer.get_json()["response"])


def _titles(children: Any) -> list[str]:
    text = json.dumps(children, ensure_ascii=False)
    return [t for _, t in c360_data.EXPECTED if f'"{t}"' in text]


def test_a_rep_sees_contact_links_timeline_purchases_and_their_related_customers(client: FlaskClient) -> None:
    sign_in(client, "sales_rep")
    page = _page(client, "/customer/1")
    assert '"tel:+441632960001"' in page and '"mailto:c1@example.com"' in page
    assert "Invoice 103" in page and "Clicked Winter PPE offer" in page and c360_data.CALL_TEXT in page
    assert "Stretch Wrap" in page and "Safety & PPE" in page
    assert "Last event: campaign click · 23 Nov 2026 09:00" in page  # the stream's counters
    assert '"/customer/3"' in page and '"/customer/2"' not in page  # customer 2 is another rep's
    assert "There is no customer 2." in _page(client, "/customer/2")


def test_the_timeline_filters_by_kind_and_pages(client: FlaskClient, c360_warehouse: Warehouse) -> None:
    sign_in(client, "manager")
    invoices = _timeline(client, ["invoice"], {"stack": [None], "next": None}, c360.TIMELINE_KINDS)
    assert _titles(invoices[c360.TIMELINE]["children"]) == ["Invoice 103", "Invoice 102", "Invoice 101"]
    assert invoices[c360.TIMELINE_OLDER]["disabled"] is True
    every = [t for _, t in c360_data.EXPECTED]
    # The page's "Older" button: the cursor after the first four items, then the rest (a page holds twenty).
    first = customer_timeline(c360_warehouse, 1, limit=4)
    assert first is not None and first.next_before
    older = _timeline(client, [], {"stack": [None], "next": first.next_before}, c360.TIMELINE_OLDER)
    assert older[c360.TIMELINE_PAGE]["children"] == "Page 2"
    assert older[c360.TIMELINE_NEWER]["disabled"] is False
    assert _titles(older[c360.TIMELINE]["children"]) == every[4:]


def test_an_analyst_sees_contact_details_masked_in_the_timeline(client: FlaskClient) -> None:
    sign_in(client, "analyst")
    page = _page(client, "/customer/1")
    assert "Call back on +44 ••• ••• 123 or write to j•••@example.com" in page
    assert "900123" not in page and "jo.smith@example.com" not in page and "tel:" not in page


def test_a_steward_overrides_a_value_audited_and_a_rep_may_not(
    client: FlaskClient, c360_warehouse: Warehouse
) -> None:
    def override(value: str) -> dict[str, Any]:
        answer = call_callback(
            client,
            [(c360.OVERRIDE_RESULT, "children"), ("customer-golden-wrap", "children")],
            [(c360.OVERRIDE_SAVE, "n_clicks", 1)],
            [(c360.OVERRIDE_FIELD, "value", "street"), (c360.OVERRIDE_VALUE, "value", value),
             (c360.OVERRIDE_REASON, "value", "checked with the customer"), (c360.TIMELINE_KEY, "data", 3)],
        )  # fmt: skip
        assert answer.status_code == 200
        return dict(answer.get_json()["response"])

    sign_in(client, "sales_rep")
    refused = json.dumps(override("1 Wrong Way"), ensure_ascii=False)
    assert "may not override" in refused
    client.get("/logout")
    sign_in(client, "data_steward")
    page = _page(client, "/customer/3")
    assert c360.OVERRIDE_SAVE in page
    saved = json.dumps(override("Unit 9, Riverside Park"), ensure_ascii=False)
    assert "Street is now" in saved and "Unit 9, Riverside Park" in saved and "set by a data steward" in saved
    rows = audit.audit_rows(c360_warehouse, audit.AuditFilter(action="customer.override"))
    assert [(r["actor"], r["object"]) for r in rows] == [("data_steward", "dim_customer:3")]
