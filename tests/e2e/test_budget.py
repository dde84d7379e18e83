"""Budget approvals in a real browser, on the demo warehouse of `tests.e2e.browser`: marketing requests
the bounded channel plan, which moves more than the approval threshold and so waits; a manager approves
it; both steps are in the audit log, and no recommended budget leaves its range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash.testing.wait import until

from app import create_app
from tests.e2e.browser import sign_in, sign_out, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse import audit
from warehouse import budget_queries as budget
from warehouse.engine import Warehouse
from warehouse.queries import latest_day


@pytest.mark.browser
def test_an_over_threshold_reallocation_waits_for_a_managers_approval(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    plan = budget.channel_plan(demo_warehouse, latest_day(demo_warehouse), 0.5, 2.0)
    assert plan is not None, "the pipeline fitted channel curves"
    moved = budget.amount_moved(
        [{"current": r.current_spend, "recommended": r.recommended_spend} for r in plan.channels.itertuples()]
    )
    threshold = round(moved / 2, 2)  # this plan moves more than a manager lets through unapproved
    settings = portal_settings(tmp_path / "var").model_copy(update={"budget_approval_threshold": threshold})

    dash_duo.start_server(create_app(settings, demo_warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "marketing")
    dash_duo.driver.get(dash_duo.server_url + "/budget")
    dash_duo.wait_for_element("#budget-plan-table", timeout=20)
    gain = dash_duo.find_element("#budget-gain").text
    assert gain.startswith("Expected gain of the plan: ") and " to " in gain
    assert "80 % interval over" in gain and "curve draws" in gain
    assert plan.gain_low < plan.gain_high, "the range comes from curve draws, not the fitted figure alone"
    held = [r for r in plan.channels.itertuples() if r.held]
    for row in held:
        assert row.held in dash_duo.find_element("#budget-plan-table").text
    dash_duo.find_element("#budget-request").click()
    dash_duo.wait_for_contains_text("#budget-status", "Waiting for a manager's approval", timeout=15)
    (request,) = budget.list_requests(demo_warehouse, budget.PENDING)
    assert request.requested_by == "marketing" and request.amount_moved == pytest.approx(moved)
    for row in request.plan:
        assert row["lower"] - 1e-6 <= row["recommended"] <= row["upper"] + 1e-6
    assert not dash_duo.find_elements("button[id*='budget-decision']"), "marketing cannot approve"

    sign_out(dash_duo)
    sign_in(dash_duo, "manager")
    dash_duo.driver.get(dash_duo.server_url + "/budget")
    item = f"#budget-request-{request.request_id}"
    dash_duo.wait_for_contains_text(item, "Waiting for a manager's approval", timeout=20)
    approve = dash_duo.find_element(f"{item} button.btn-success")
    assert approve.text == "Approve"
    approve.click()
    dash_duo.wait_for_contains_text(item, "Approved by manager", timeout=15)
    assert budget.get_request(demo_warehouse, request.request_id).status == budget.APPROVED

    rows = audit.audit_rows(demo_warehouse, audit.AuditFilter(action="budget."))
    actions = {
        (r["actor"], r["action"]) for r in rows if r["object"] == f"budget_request:{request.request_id}"
    }
    assert actions == {("marketing", "budget.request"), ("manager", "budget.approve")}
    assert (
        json.loads(next(r["detail"] for r in rows if r["action"] == "budget.approve"))["status"] == "approved"
    )
    until(lambda: dash_duo.get_logs() == [], timeout=5)
