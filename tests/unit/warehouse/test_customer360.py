"""Purchases with products and categories, related customers, and why each record joined, in words."""

from __future__ import annotations

import pytest

from tests.unit.warehouse import c360_data
from warehouse.customer360 import match_reason, match_reasons, purchase_history, related_customers
from warehouse.engine import Warehouse
from warehouse.policy import Viewer

MANAGER, REP_1, REP_2 = Viewer("m", "manager"), Viewer("alice", "sales_rep", 1), Viewer("bob", "sales_rep", 2)


@pytest.fixture
def c360(warehouse: Warehouse) -> Warehouse:
    return c360_data.build(warehouse)


def test_purchase_history_has_products_and_category_totals(c360: Warehouse) -> None:
    lines, categories = purchase_history(c360, 1, REP_1)
    assert [(ln["doc_key"], ln["product"], ln["category"]) for ln in lines] == [
        ("103", "Stretch Wrap", "Packaging"),
        ("102", "Hi-Vis Vest", "Safety & PPE"),
        ("101", "Stretch Wrap", "Packaging"),
        ("101", "Hi-Vis Vest", "Safety & PPE"),
        ("5", "Hi-Vis Vest", "Safety & PPE"),
    ]
    totals = {c["category"]: (round(float(c["revenue"]), 2), int(c["orders"])) for c in categories}
    assert totals == {"Packaging": (145.5, 2), "Safety & PPE": (62.0, 3)}
    assert purchase_history(c360, 1, REP_2) == ([], [])


def test_relationships_show_only_customers_the_viewer_may_read(c360: Warehouse) -> None:
    everyone = related_customers(c360, 1, MANAGER)
    assert [(r["other_key"], r["name"], r["kind"]) for r in everyone] == [
        (3, "Derby Joinery Ltd", "referral"),
        (2, "Quinn Roofing", "shared_address"),
    ]
    assert [r["other_key"] for r in related_customers(c360, 1, REP_1)] == [3]  # 2 is Bob's customer
    assert related_customers(c360, 1, REP_2) == []
    assert [r["other_key"] for r in related_customers(c360, 2, MANAGER)] == [1]


def _rec(key: str, rule: str, **fields: str) -> dict[str, str]:
    return {"source": "s", "source_key": key, "match_rule": rule, **fields}


def test_match_reasons_are_words_and_never_a_raw_low_probability() -> None:
    base = _rec("1", "rule:email", company_name="Park Hotel Ltd", email="a@park.co.uk", phone="01632 960001")
    phone_and_name = _rec("2", "probabilistic p=0.971", company_name="Park Hotel", phone="+44 1632 960001")
    weak = _rec("3", "probabilistic p=0.266", company_name="Park Hotel Limited", postcode="LS1 4AB")
    assert match_reason(phone_and_name, [base]) == "same phone and similar name (score 0.97)"
    low = match_reason(weak, [base | {"postcode": "LS14AB"}])
    assert low == "similar name and same postcode; likely the same customer"
    assert "0.266" not in low and "p=" not in low
    reasons = match_reasons([base, _rec("4", "rule:email", email="A@park.co.uk")])
    assert reasons[("s", "4")] == "same e-mail"
    assert match_reason(_rec("5", "single"), []) == "the customer's first record"
    assert (
        match_reason(_rec("6", "steward", email="a@park.co.uk"), [base])
        == "confirmed by a data steward (same e-mail)"
    )


def test_the_queries_compile_for_sql_server() -> None:
    from sqlalchemy.dialects import mssql

    from warehouse.customer360 import categories_query, purchases_query, relationships_query

    for query in (purchases_query(1, REP_1), categories_query(1), relationships_query(1, REP_1)):
        sql = str(query.compile(dialect=mssql.dialect()))
        assert "SELECT" in sql and "customer_key" in sql
