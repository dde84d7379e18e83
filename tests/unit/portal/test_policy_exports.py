"""Exports: every CSV the portal hands out is scoped to the viewer's customers, masked for roles without
the personal-data permission, safe to open in a spreadsheet, and audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
from flask.testing import FlaskClient

from components.export import FORMULA_STARTS, csv_text, export_download, neutralise, xlsx_bytes
from tests.unit.portal.portal_data import call_callback
from tests.unit.portal.test_policy_data import (
    ALICE_KEY,
    BOB_KEY,
    EVIL_CAMPAIGN,
    FORMULA_NAMES,
    audit_rows,
    bob_values,
    policy_app,
    policy_client,
    policy_warehouse,
    sign_in,
)
from warehouse.engine import Warehouse
from warehouse.policy import Viewer

__all__ = ["policy_app", "policy_client", "policy_warehouse"]

#: Every export button: (download output, button, state inputs with the values a user would have picked).
EXPORTS: dict[str, tuple[str, str, list[tuple[str, str, Any]]]] = {
    "actions": (
        "actions-download",
        "actions-csv",
        [
            ("actions-rep", "value", "all"),
            ("actions-region", "value", "all"),
            ("actions-rfm", "value", "all"),
            ("actions-spend", "value", "all"),
            ("actions-filter", "value", "all"),
        ],
    ),
    "campaigns": ("campaigns-download", "campaigns-csv", []),
    "drivers": (
        "analytics-drivers-download",
        "analytics-drivers-csv",
        [("analytics-kpi", "value", "revenue"), ("analytics-baseline", "value", "previous_week")],
    ),
    "budget": ("analytics-budget-download", "analytics-budget-csv", []),
}


def download(client: FlaskClient, export: str, **picked: Any) -> list[dict[str, str]]:
    output, button, state = EXPORTS[export]
    state = [(i, p, picked.get(i, v)) for i, p, v in state]
    answer = call_callback(client, [(output, "data")], [(button, "n_clicks", 1)], state)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    data = answer.get_json()["response"][output]["data"]
    assert data["type"] == "text/csv" and not data["base64"]
    return list(csv.DictReader(io.StringIO(data["content"])))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_neutralising_follows_the_owasp_rule_and_keeps_numbers() -> None:
    assert neutralise("=1+2") == "'=1+2"
    assert neutralise("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert neutralise("-2+3") == "'-2+3" and neutralise("@SUM(1)") == "'@SUM(1)"
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx"
    assert neutralise(-12.5) == -12.5 and neutralise(7) == 7 and neutralise(None) is None
    assert neutralise("Bristol Bikes Ltd") == "Bristol Bikes Ltd"
    text = csv_text([{"name": "=1+2", "value": -3.0}], ["name", "value"])
    assert text == "name,value\n'=1+2,-3.0\n"


def test_a_reps_actions_export_holds_only_their_customers_with_formulas_neutralised(
    policy_client: FlaskClient, policy_warehouse: Warehouse
) -> None:
    sign_in(policy_client, "sales_rep")
    before = len(audit_rows(policy_warehouse, "sales_rep", "export.actions"))
    rows = download(policy_client, "actions", **{"actions-rep": str(BOB_KEY)})  # asks for Bob's list
    keys = {int(r["customer_key"]) for r in rows}
    assert keys == {*range(2, 30, 2), 31}  # Alice's customers with an action, and her prospect
    text = json.dumps(rows)
    for value in bob_values():
        assert value not in text
    names = {int(r["customer_key"]): r["name"] for r in rows}
    for key, name in FORMULA_NAMES.items():
        assert names[key] == "'" + name
    logged = audit_rows(policy_warehouse, "sales_rep", "export.actions")
    assert len(logged) == before + 1
    detail = json.loads(logged[-1]["detail"])
    assert detail["rows"] == len(rows) and detail["filters"]["rep_key"] == ALICE_KEY
    assert logged[-1]["object"].startswith("next-best-actions-mine")


def test_no_export_cell_would_run_as_a_formula(
    policy_client: FlaskClient, policy_warehouse: Warehouse
) -> None:
    sign_in(policy_client, "manager")
    for export in EXPORTS:
        rows = download(policy_client, export)
        assert rows, f"{export} exported nothing"
        for row in rows:
            for column, cell in row.items():
                assert not cell.startswith(FORMULA_STARTS) or is_number(cell), (export, column, cell)
        assert len(audit_rows(policy_warehouse, "manager", f"export.{export}")) >= 1
    campaigns = {r["name"] for r in download(policy_client, "campaigns")}
    assert campaigns == {EVIL_CAMPAIGN, "'=HYPERLINK(1)"}


def test_exports_mask_personal_data_for_roles_without_the_permission(policy_warehouse: Warehouse) -> None:
    rows = [
        {"customer_key": 3, "name": "Customer 03", "email": "buyer03@shop.example", "phone": "+447700900333"}
    ]
    columns = ["customer_key", "name", "email", "phone"]
    analyst = export_download(policy_warehouse, Viewer("analyst", "analyst"), "test", rows, columns, "t.csv")
    assert analyst["content"].splitlines()[1] == "3,Customer 03,b•••@shop.example,'+44 ••• ••• 333"
    manager = export_download(policy_warehouse, Viewer("manager", "manager"), "test", rows, columns, "t.csv")
    assert "buyer03@shop.example" in manager["content"] and "'+447700900333" in manager["content"]
    alice = Viewer("sales_rep", "sales_rep", ALICE_KEY)
    scoped = export_download(policy_warehouse, alice, "test", rows, columns, "t.csv")
    assert scoped["content"] == "customer_key,name,email,phone\n"  # Bob's customer is dropped
    assert json.loads(audit_rows(policy_warehouse, "analyst", "export.test")[-1]["detail"])["rows"] == 1


def test_xlsx_exports_store_formula_text_as_text(tmp_path: Any) -> None:
    data = xlsx_bytes([{"name": "=1+2", "n": 3}, {"name": "@cmd", "n": -1}], ["name", "n"])
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells == [["name", "n"], ["'=1+2", 3], ["'@cmd", -1]]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
