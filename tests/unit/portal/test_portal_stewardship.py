"""The quality page's rules and stewardship items: everyone who may open the page sees them; only stewards act."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app import create_app
from components import ids
from pipeline.quality import stewardship
from pipeline.quality.rules import RULES, Result
from tests.unit.portal.portal_data import build_portal_warehouse, call_callback, portal_settings, sign_in
from warehouse.engine import Warehouse

WHEN = dt.datetime(2026, 11, 27, 23, 0)


def _failing_warehouse(tmp_path: Path) -> Warehouse:
    """A portal warehouse where batch 1 measured every rule and the freshness rule failed."""
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    results = [
        Result(r, 9.0, False, "latest sale on 18 Nov 2026")
        if r.name == "sales_fresh"
        else Result(r, 1.0, True, "ok")
        for r in RULES
    ]
    with warehouse.begin() as conn:
        stewardship.record(conn, 1, results, WHEN)
    return warehouse


def _shown(client: FlaskClient) -> str:
    answer = call_callback(
        client,
        [(ids.QUALITY_RULES, "children"), (ids.QUALITY_ISSUES, "children")],
        [(ids.QUALITY_LOAD, "data", 0), (ids.QUALITY_ISSUE_DONE, "data", None)],
    )
    return json.dumps(answer.get_json()["response"], ensure_ascii=False)


def _act(client: FlaskClient, issue: int, action: str, comment: str) -> Any:
    button = {"action": action, "issue": issue, "type": ids.QUALITY_ISSUE_ACT}
    box = {"issue": issue, "type": ids.QUALITY_ISSUE_COMMENT}
    body = {
        "output": f"..{ids.QUALITY_ISSUE_DONE}.data...{ids.QUALITY_ISSUE_STATUS}.children..",
        "outputs": [
            {"id": ids.QUALITY_ISSUE_DONE, "property": "data"},
            {"id": ids.QUALITY_ISSUE_STATUS, "property": "children"},
        ],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        "state": [
            [{"id": box, "property": "value", "value": comment}],
            [{"id": box, "property": "id", "value": box}],
        ],
    }
    return json.dumps(client.post("/_dash-update-component", json=body).get_json()["response"])


def test_an_analyst_sees_the_failing_rule_and_its_item_but_cannot_act(tmp_path: Path) -> None:
    app = create_app(portal_settings(tmp_path), _failing_warehouse(tmp_path))
    with app.server.test_client() as client:
        assert sign_in(client, "analyst").status_code == 303
        shown = _shown(client)
        assert "sales_fresh" in shown and "latest sale on 18 Nov 2026" in shown and '"fail"' in shown
        assert "#1 sales_fresh" in shown and "Assign to me" not in shown
        assert "Only data stewards act on quality items." in _act(client, 1, "assign", "")


def test_a_steward_assigns_comments_and_resolves_an_item(tmp_path: Path) -> None:
    warehouse = _failing_warehouse(tmp_path)
    app = create_app(portal_settings(tmp_path), warehouse)
    with app.server.test_client() as client:
        assert sign_in(client, "data_steward").status_code == 303
        assert "Assign to me" in _shown(client)
        assert "Item 1: assigned." in _act(client, 1, "assign", "")
        assert "Say why the item is resolved." in _act(client, 1, "resolve", "")
        assert "Item 1: resolved." in _act(client, 1, "resolve", "the QuickBooks feed is back")
        shown = _shown(client)
        assert "Reopen" in shown and "the QuickBooks feed is back" in shown
    with warehouse.begin() as conn:
        (item,) = stewardship.issues(conn)
    assert (item["status"], item["assignee"]) == ("resolved", "data_steward")
    assert [h["action"] for h in item["history"]] == ["opened", "assign", "resolve"]
