"""The audit log page: administrators filter entries by actor, action and dates, see whether the hash
chain is intact and export the entries as a formula-safe, audited CSV; nobody else reads it."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient

from tests.unit.portal.portal_data import call_callback
from tests.unit.portal.test_policy_data import (
    audit_rows,
    page,
    policy_app,
    policy_client,
    policy_warehouse,
    sign_in,
)
from warehouse import audit
from warehouse.engine import Warehouse

__all__ = ["policy_app", "policy_client", "policy_warehouse"]

OUTPUTS = [
    ("admin-audit-table", "data"),
    ("admin-audit-table", "page_count"),
    ("admin-audit-table", "page_current"),
    ("admin-audit-count", "children"),
    ("admin-audit-chain", "children"),
]


def refresh(client: FlaskClient, actor: str = "", action: str = "", start: str | None = None) -> Any:
    return call_callback(
        client,
        OUTPUTS,
        [
            ("admin-audit-actor", "value", actor),
            ("admin-audit-action", "value", action),
            ("admin-audit-dates", "start_date", start),
            ("admin-audit-dates", "end_date", None),
            ("admin-audit-table", "page_current", 0),
        ],
    )


def test_an_administrator_filters_the_log_and_sees_the_chain_intact(
    policy_client: FlaskClient, policy_warehouse: Warehouse
) -> None:
    audit.record(policy_warehouse, "bob", "export.actions", "=HYPERLINK(1).csv", '{"rows": 3}')
    sign_in(policy_client, "admin")
    assert "Audit log" in page(policy_client, "/admin/audit")
    answer = refresh(policy_client, actor="bob", action="export")
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    rows = response["admin-audit-table"]["data"]
    assert rows and {r["actor"] for r in rows} == {"bob"} and rows[0]["action"] == "export.actions"
    assert response["admin-audit-chain"]["children"].startswith("Hash chain intact over ")
    assert (
        refresh(policy_client, start="2999-01-01").get_json()["response"]["admin-audit-table"]["data"] == []
    )
    exported = call_callback(
        policy_client,
        [("admin-audit-download", "data")],
        [("admin-audit-csv", "n_clicks", 1)],
        [
            ("admin-audit-actor", "value", "bob"),
            ("admin-audit-action", "value", "export"),
            ("admin-audit-dates", "start_date", None),
            ("admin-audit-dates", "end_date", None),
        ],
    ).get_json()["response"]["admin-audit-download"]["data"]
    lines = list(csv.DictReader(io.StringIO(exported["content"])))
    assert lines[0]["object"] == "'=HYPERLINK(1).csv"
    assert audit_rows(policy_warehouse, "admin", "export.audit")


def test_a_broken_chain_shows_on_the_page(policy_client: FlaskClient, tmp_path: Any) -> None:
    from app import create_app
    from tests.unit.portal.portal_data import portal_settings
    from tests.unit.portal.test_policy_data import build_policy_warehouse
    from warehouse.schema import ops_audit_log

    warehouse = build_policy_warehouse(tmp_path / "broken.db")
    audit.record(warehouse, "manager", "login", "app_user")
    with warehouse.begin() as conn:
        conn.execute(ops_audit_log.update().values(actor="someone else"))
    with create_app(portal_settings(tmp_path), warehouse).server.test_client() as client:
        sign_in(client, "admin")
        chain = refresh(client).get_json()["response"]["admin-audit-chain"]["children"]
    assert chain.startswith("Hash chain broken: row ") and "altered" in chain


def test_nobody_but_an_administrator_reads_the_log(policy_client: FlaskClient) -> None:
    sign_in(policy_client, "manager")
    assert "open to administrators" in page(policy_client, "/admin/audit")
    assert refresh(policy_client).status_code == 204
