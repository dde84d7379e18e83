"""Row and column security: a sales rep reads only the customers whose record names them, by any route
(the customers list, a profile URL, any callback the app answers), and roles without the personal-data
permission see it masked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient

from tests.unit.portal.portal_data import call_callback
from tests.unit.portal.test_policy_data import (
    ALICE_CUSTOMER,
    ALICE_KEY,
    BOB_CUSTOMER,
    BOB_KEY,
    audit_rows,
    bob_values,
    page,
    policy_app,
    policy_client,
    policy_warehouse,
    sign_in,
)
from warehouse import policy
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.profile import customer_profile
from warehouse.queries import CustomerSort, search_customers

__all__ = ["policy_app", "policy_client", "policy_warehouse"]

ALICE = Viewer("sales_rep", "sales_rep", ALICE_KEY)
ANALYST = Viewer("analyst", "analyst")
MANAGER = Viewer("manager", "manager")


def test_masks_read_as_the_security_doc_shows() -> None:
    assert policy.mask_value("email", "john@example.com") == "j•••@example.com"
    assert policy.mask_value("phone", "+44 7700 900123") == "+44 ••• ••• 123"
    assert policy.mask_value("phone", "+447700900123") == "+44 ••• ••• 123"
    assert policy.mask_value("street", "1 High Street") == "•••"
    assert policy.mask_value("postcode", "SW1A 1AA") == "SW1A •••"
    assert policy.mask_value("instagram_handle", "@john.smith") == "@j•••"
    assert policy.mask_value("city", "Leeds") == "Leeds" and policy.mask_value("email", None) is None


def test_the_permission_matrix_covers_every_role() -> None:
    from warehouse.users import ROLES

    assert set(ROLES) == policy.ALL_CUSTOMER_ROLES | {"sales_rep"}
    assert {r for r in ROLES if not Viewer(r, r).sees_pii} == {"analyst", "marketing"}


def test_a_rep_searching_every_customer_gets_only_their_own(policy_warehouse: Warehouse) -> None:
    rows, total = search_customers(policy_warehouse, "", CustomerSort(), 0, 500, ALICE)
    assert total == len(rows) == 15
    assert {int(r["customer_key"]) % 2 for r in rows} == {0}
    everyone, all_total = search_customers(policy_warehouse, "", CustomerSort(), 0, 500, MANAGER)
    assert all_total == 30 and len(everyone) == 30
    unlinked, none = search_customers(policy_warehouse, "", None, 0, 50, Viewer("x", "sales_rep", None))
    assert (unlinked, none) == ([], 0)


def test_a_masked_role_can_neither_search_nor_sort_by_email(policy_warehouse: Warehouse) -> None:
    assert search_customers(policy_warehouse, "buyer03@shop.example", viewer=ANALYST) == ([], 0)
    assert search_customers(policy_warehouse, "buyer03@shop.example", viewer=MANAGER)[1] == 1
    with pytest.raises(ValueError, match="masked"):
        search_customers(policy_warehouse, "", CustomerSort("email"), viewer=ANALYST)
    rows, _ = search_customers(policy_warehouse, "Customer 03", viewer=ANALYST)
    assert rows[0]["email"] == "b•••@shop.example"


def test_a_forbidden_profile_is_the_same_as_a_missing_one(policy_warehouse: Warehouse) -> None:
    assert customer_profile(policy_warehouse, BOB_CUSTOMER, ALICE) is None
    assert customer_profile(policy_warehouse, ALICE_CUSTOMER, ALICE) is not None
    masked = customer_profile(policy_warehouse, BOB_CUSTOMER, ANALYST)
    assert masked is not None
    shown = json.dumps([masked.customer, masked.provenance, masked.records], default=str)
    for value in bob_values()[1:]:
        assert value not in shown
    assert masked.customer["phone"] == "+44 ••• ••• 333" and masked.customer["postcode"] == "M3 •••"


def test_a_rep_opening_another_reps_customer_by_url_reads_not_found(
    policy_client: FlaskClient, policy_warehouse: Warehouse
) -> None:
    sign_in(policy_client, "sales_rep")
    forbidden = page(policy_client, f"/customer/{BOB_CUSTOMER}")
    missing = page(policy_client, "/customer/999")
    assert forbidden == missing.replace("999", str(BOB_CUSTOMER))
    assert f"There is no customer {BOB_CUSTOMER}." in forbidden
    for value in bob_values():
        assert value not in forbidden
    own = page(policy_client, f"/customer/{ALICE_CUSTOMER}")
    assert "Customer 02" in own and "2 Alice Road" in own and "+447700900222" in own


def test_a_profile_showing_personal_data_is_audited_and_a_masked_one_is_masked(
    policy_client: FlaskClient, policy_warehouse: Warehouse
) -> None:
    sign_in(policy_client, "manager")
    before = len(audit_rows(policy_warehouse, "manager", "customer.view_pii"))
    assert "3 Bob Lane" in page(policy_client, f"/customer/{BOB_CUSTOMER}")
    views = audit_rows(policy_warehouse, "manager", "customer.view_pii")
    assert len(views) == before + 1
    assert views[-1]["object"] == f"dim_customer:{BOB_CUSTOMER}" and views[-1]["address"] == "127.0.0.1"
    assert "phone" in json.loads(views[-1]["detail"])["fields"]
    policy_client.get("/logout")
    sign_in(policy_client, "analyst")
    masked = page(policy_client, f"/customer/{BOB_CUSTOMER}")
    assert "Customer 03" in masked and "b•••@shop.example" in masked and "+44 ••• ••• 333" in masked
    for value in bob_values()[1:]:
        assert value not in masked
    assert audit_rows(policy_warehouse, "analyst", "customer.view_pii") == []


@pytest.mark.parametrize("role", ["analyst", "marketing"])
def test_the_customers_list_masks_email_for_roles_without_the_permission(
    policy_client: FlaskClient, role: str
) -> None:
    sign_in(policy_client, role)
    answer = call_callback(
        policy_client,
        [
            ("customers-table", "data"),
            ("customers-table", "page_current"),
        ],
        [
            ("customers-search", "value", ""),
            ("customers-table", "page_current", 0),
            ("customers-table", "sort_by", [{"column_id": "email", "direction": "asc"}]),
        ],
    )
    rows = answer.get_json()["response"]["customers-table"]["data"]
    assert len(rows) == 25
    assert all(r["email"] is None or "•••@" in r["email"] for r in rows)
    assert "@shop.example" in json.dumps(rows)  # the domain stays, so the list still reads


# --- every callback, posted by a rep with another rep's keys -----------------------------------------

#: Values an attacker signed in as Alice sends to each input: Bob's rep key wherever a rep is picked,
#: Bob's customer in any path, searches for Bob's customer.
ATTACK_VALUES: dict[tuple[str, str], list[Any]] = {
    ("actions-rep", "value"): [str(BOB_KEY)],
    ("customers-search", "value"): ["", "Customer 03", "buyer03", "Bob Lane"],
    ("_pages_location", "pathname"): [f"/customer/{BOB_CUSTOMER}", "/customers", "/actions"],
}
DEFAULTS: dict[str, Any] = {"n_clicks": 1, "page_current": 0, "data": 0}


def _callbacks(app: Dash) -> list[tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]]:
    """(outputs, inputs, state) of every callback in the app's callback map, plus the page router."""
    found = [
        (
            [(o.split(".")[0], o.split(".")[1]) for o in key.strip(".").split("...")],
            [(str(i["id"]), str(i["property"])) for i in spec["inputs"]],
            [(str(s["id"]), str(s["property"])) for s in spec.get("state", [])],
        )
        for key, spec in app.callback_map.items()
        if "callback" in spec  # clientside callbacks run in the browser
        and not any(
            str(i["id"]).startswith("{") for i in spec["inputs"]
        )  # pattern-matching: steward decisions
    ]
    router = (
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname"), ("_pages_location", "search")],
        [],
    )
    return [*found, router]


def _variants(inputs: list[tuple[str, str]]) -> list[list[tuple[str, str, Any]]]:
    """One call per attack value of each input that has some, every other input at its default."""
    base = [(i, p, ATTACK_VALUES.get((i, p), [DEFAULTS.get(p)])[0]) for i, p in inputs]
    calls = [base]
    for n, (i, p) in enumerate(inputs):
        for value in ATTACK_VALUES.get((i, p), [])[1:]:
            calls.append([*base[:n], (i, p, value), *base[n + 1 :]])
    return calls


def test_no_callback_gives_a_rep_another_reps_customer(policy_client: FlaskClient, policy_app: Dash) -> None:
    sign_in(policy_client, "sales_rep")
    answered, own_seen = 0, False
    for outputs, inputs, state in _callbacks(policy_app):
        for call in _variants(inputs):
            states = [(i, p, ATTACK_VALUES.get((i, p), [DEFAULTS.get(p)])[0]) for i, p in state]
            answer = call_callback(policy_client, outputs, call, states)
            body = answer.get_data(as_text=True)
            assert answer.status_code in (200, 204), (outputs, answer.status_code, body[:300])
            answered += answer.status_code == 200
            for value in bob_values():
                assert value not in body, f"{outputs[0]} answered {value!r} to Alice"
            own_seen |= "Customer 02" in body
    assert answered >= 10 and own_seen  # the callbacks did answer, with Alice's own customers
