"""The Actions page and the Customer 360 outlook: whose actions a user reads, in what order, why each
action is recommended, the CSV export, and who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from components import actions as view
from components import ids
from components.access import may_open
from components.shell import navbar
from models.nba import RULES
from tests.unit.portal import portal_data
from tests.unit.portal.portal_data import SCORED_AT, call_callback
from tests.unit.portal.test_portal_analytics import texts
from warehouse import action_queries as queries
from warehouse.engine import Warehouse
from warehouse.users import PortalUser

ALICE, BOB = 1, 2


def keys(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["customer_key"]) for r in rows]


def test_a_reps_actions_are_their_own_customers_highest_expected_value_first(
    portal_warehouse: Warehouse,
) -> None:
    rows, total = queries.actions(portal_warehouse, queries.ActionScope(rep_key=ALICE), page_size=50)
    # Alice owns the even customers (customer 30 has no action) and prospect 31, worth £700.
    assert keys(rows) == [31, *range(28, 0, -2)]
    assert total == len(rows) == 15
    values = [float(r["action_value"]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert {r["rep"] for r in rows} == {"Alice Brown"}


def test_pages_follow_on_without_overlap_and_the_count_covers_them_all(portal_warehouse: Warehouse) -> None:
    everyone = queries.ActionScope()
    first, total = queries.actions(portal_warehouse, everyone, page=0, page_size=10)
    second, _ = queries.actions(portal_warehouse, everyone, page=1, page_size=10)
    assert total == 31  # 29 customers with an action and 2 prospects; customer 30 has none
    assert keys(first)[:3] == [31, 29, 28] and keys(second)[:2] == [20, 32]  # equal values: by key
    assert not set(keys(first)) & set(keys(second))
    assert len(queries.all_actions(portal_warehouse, everyone)) == total


def test_one_action_is_filtered_and_summed(portal_warehouse: Warehouse) -> None:
    rows, total = queries.actions(portal_warehouse, queries.ActionScope(action="thank_you"))
    assert keys(rows) == [27, 23, 19, 15, 11, 7, 3] and total == 7
    summary = {
        r["action"]: r
        for r in queries.action_summary(portal_warehouse, queries.ActionScope(BOB, "upsell_offer"))
    }
    # Bob owns the odd customers: thank-you goes to n % 4 == 3, retention calls to none of his. The
    # summary counts every action whatever the action filter.
    assert summary["thank_you"]["customers"] == 7
    assert float(summary["thank_you"]["value"]) == pytest.approx(10.0 * sum(range(3, 30, 4)))
    assert "retention_call" not in summary and "nurture_lead" not in summary


def test_a_target_segment_narrows_by_region_rfm_segment_and_spend(portal_warehouse: Warehouse) -> None:
    london = queries.ActionScope(region="London")  # customers with n % 3 == 0
    assert sorted(keys(queries.all_actions(portal_warehouse, london))) == list(range(3, 30, 3))
    at_risk_high = queries.ActionScope(rfm_segment="At risk", spend="high")  # n % 3 == 1, n % 5 in (3, 4)
    expected = [n for n in range(29, 0, -1) if n % 3 == 1 and n % 5 in (3, 4)]
    assert keys(queries.all_actions(portal_warehouse, at_risk_high)) == expected == [28, 19, 13, 4]
    assert {r["rfm_segment"] for r in queries.all_actions(portal_warehouse, at_risk_high)} == {"At risk"}
    assert queries.actions(portal_warehouse, queries.ActionScope(rep_key=ALICE, spend="low"))[1] == len(
        [n for n in range(2, 30, 2) if n % 5 in (0, 1)]
    )
    assert queries.target_options(portal_warehouse, "rfm_segment") == ["At risk", "Champions", "Hibernating"]
    assert queries.target_options(portal_warehouse, "region") == ["London", "North West", "Scotland"]
    with pytest.raises(ValueError, match="spend band 'huge'"):
        queries.ActionScope(spend="huge")


def test_prospects_are_non_customers_by_lead_score(portal_warehouse: Warehouse) -> None:
    assert keys(queries.prospects(portal_warehouse)) == [31, 32]
    assert keys(queries.prospects(portal_warehouse, rep_key=ALICE)) == [31]
    assert queries.prospects(portal_warehouse, rep_key=BOB) == []


def test_the_lead_pipeline_is_the_reps_own_with_its_win_rate(portal_warehouse: Warehouse) -> None:
    alice = queries.lead_funnel(portal_warehouse, ALICE)
    assert [(r["stage"], int(r["leads"])) for r in alice] == [
        ("new", 4),
        ("qualified", 2),
        ("won", 3),
        ("lost", 1),
    ]
    assert view.win_rate(alice) == pytest.approx(0.75)
    assert view.funnel_summary(alice) == "6 open leads worth £6,000; 3 of 4 closed leads won (75%)."
    everyone = queries.lead_funnel(portal_warehouse)
    assert view.funnel_summary(everyone) == "7 open leads worth £7,000; 4 of 8 closed leads won (50%)."
    assert (
        view.funnel_summary([]) == "No leads yet." and view.win_rate([{"stage": "new", "leads": 2}]) is None
    )
    assert texts(view.funnel_table(alice, "f"))[3:6] == ["New", "4", "£4,000"]


def test_one_customers_score_and_an_unscored_customer(portal_warehouse: Warehouse) -> None:
    score = queries.customer_score(portal_warehouse, 31)
    assert score is not None and score["lead_score"] == pytest.approx(0.7) and score["is_customer"] is False
    assert queries.customer_score(portal_warehouse, 999) is None
    assert [r["name"] for r in queries.sales_reps(portal_warehouse)] == ["Alice Brown", "Bob Singh"]


def test_every_action_the_rules_can_recommend_has_a_label() -> None:
    assert {r.action for r in RULES} == set(view.ACTION_LABELS)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {"next_best_action": "retention_call", "churn_probability": 0.62, "clv_12m": 1240.0},
            "Churn risk 62% on £1,240 of expected spend in 12 months",
        ),
        (
            {
                "next_best_action": "upsell_offer",
                "upsell_propensity": 0.24,
                "upsell_category": "Packaging",
                "upsell_product": "Parcel Tape",
            },
            "24% likely to start buying Packaging; lead with Parcel Tape",
        ),
        (
            {"next_best_action": "upsell_offer", "clv_12m": 900.0},
            "Engaged customer, £900 expected in 12 months: offer a complementary range",
        ),
        (
            {"next_best_action": "re_engagement", "recency_days": 120, "clv_12m": 500.0},
            "No order for 120 days; worth £500 in 12 months if won back",
        ),
        (
            {"next_best_action": "thank_you", "rfm_segment": "Champions", "clv_12m": 45687.0},
            "Champions customer, £45,687 expected in 12 months",
        ),
        (
            {"next_best_action": "nurture_lead", "lead_score": 0.56},
            "Lead score 56%: chance to become a customer within 6 months",
        ),
    ],
)
def test_each_action_says_which_score_earned_it(row: dict[str, Any], expected: str) -> None:
    assert view.reason(row) == expected


def test_the_outlook_card_shows_a_customers_scores_and_action(portal_warehouse: Warehouse) -> None:
    customer = texts(view.outlook_card(queries.customer_score(portal_warehouse, 8)))
    assert "Retention call" in customer  # 8 % 4 == 0
    assert "Churn risk 20% on £800 of expected spend in 12 months · expected value £80" in customer
    assert {"Churn risk", "20%", "Expected spend, 12 months", "£800", "Best new category"} <= set(customer)
    assert "Packaging · Parcel Tape (30%)" in customer
    assert "Scored 12 Mar 2025 06:30 · models churn:2,clv:1" in customer
    prospect = texts(view.outlook_card(queries.customer_score(portal_warehouse, 32)))
    assert {"Nurture lead", "Lead score", "20%"} <= set(prospect) and "Churn risk" not in prospect
    nothing = texts(view.outlook_card(queries.customer_score(portal_warehouse, 30)))
    assert "No action recommended now." in nothing
    assert texts(view.outlook_card(None)) == ["Outlook and next best action", view.NOT_SCORED]


def test_the_phone_list_holds_the_same_rows_as_the_table(portal_warehouse: Warehouse) -> None:
    rows, _ = queries.actions(portal_warehouse, queries.ActionScope(rep_key=ALICE), page_size=3)
    listed = texts(view.action_list(rows, 0, 5))
    assert listed[:4] == ["Prospect Plumbing", "£700", "Nurture lead", view.reason(rows[0])]
    assert listed[-1] == "Page 1 of 5"
    assert [r["name"] for r in view.table_rows(rows)] == [
        "[Prospect Plumbing](/customer/31)",
        "[Customer 28](/customer/28)",
        "[Customer 26](/customer/26)",
    ]


def _user(role: str) -> PortalUser:
    return PortalUser(1, role, role, f"Demo {role}", None, None)


@pytest.mark.parametrize(
    ("role", "sees"),
    [("sales_rep", True), ("manager", True), ("marketing", True), ("admin", True), ("data_steward", False)],
)
def test_actions_are_in_the_navbar_for_roles_that_work_customers(role: str, sees: bool) -> None:
    assert ("'/actions'" in str(navbar(_user(role)).to_plotly_json())) is sees
    assert may_open(role, "/actions") is sees


def sign_in(client: FlaskClient, username: str) -> FlaskClient:
    assert portal_data.sign_in(client, username).status_code == 303
    return client


TABLE_OUTPUTS = [
    (ids.ACTIONS_TABLE, "data"), (ids.ACTIONS_TABLE, "page_count"), (ids.ACTIONS_TABLE, "page_current"),
    (ids.ACTIONS_COUNT, "children"), (ids.ACTIONS_LIST, "children"),
]  # fmt: skip


def refresh(
    client: FlaskClient,
    rep: str,
    action: str = "all",
    page: int = 0,
    changed: str = ids.ACTIONS_REP,
    target: tuple[str, str, str] = ("all", "all", "all"),
) -> Any:
    inputs = [
        (ids.ACTIONS_REP, "value", rep),
        *(
            (i, "value", v)
            for i, v in zip((ids.ACTIONS_REGION, ids.ACTIONS_RFM, ids.ACTIONS_SPEND), target, strict=True)
        ),
        (ids.ACTIONS_FILTER, "value", action),
        (ids.ACTIONS_TABLE, "page_current", page),
        (ids.ACTIONS_PREVIOUS, "n_clicks", 1),
        (ids.ACTIONS_NEXT, "n_clicks", 1),
    ]
    return call_callback(client, TABLE_OUTPUTS, inputs, changed=changed)


def test_a_sales_rep_sees_only_their_own_customers_whatever_rep_the_request_names(
    client: FlaskClient,
) -> None:
    sign_in(client, "sales_rep")  # linked to Alice Brown, the first rep
    answer = refresh(client, rep=str(BOB)).get_json()["response"]
    shown = [row["id"] for row in answer[ids.ACTIONS_TABLE]["data"]]
    assert shown == [31, *range(28, 0, -2)][:25]
    assert answer[ids.ACTIONS_COUNT]["children"] == "15 customers, highest expected value first"


def test_a_sales_reps_summary_prospects_and_pipeline_are_their_own(client: FlaskClient) -> None:
    sign_in(client, "sales_rep")
    outputs = [
        (ids.ACTIONS_SUMMARY, "children"),
        (ids.ACTIONS_PROSPECTS, "children"),
        (ids.ACTIONS_FUNNEL, "children"),
    ]
    inputs = [
        (i, "value", str(BOB) if i == ids.ACTIONS_REP else "all")
        for i in (ids.ACTIONS_REP, ids.ACTIONS_REGION, ids.ACTIONS_RFM, ids.ACTIONS_SPEND)
    ]
    answer = call_callback(client, outputs, inputs).get_json()["response"]
    assert "Prospect Plumbing" in str(answer[ids.ACTIONS_PROSPECTS]) and "Unowned" not in str(
        answer[ids.ACTIONS_PROSPECTS]
    )
    assert "3 of 4 closed leads won (75%)" in str(
        answer[ids.ACTIONS_FUNNEL]
    )  # Alice's, whatever rep was asked for


def test_a_manager_picks_a_rep_and_an_action(client: FlaskClient) -> None:
    sign_in(client, "manager")
    answer = refresh(client, rep=str(BOB), action="thank_you", changed=ids.ACTIONS_FILTER).get_json()[
        "response"
    ]
    assert [row["id"] for row in answer[ids.ACTIONS_TABLE]["data"]] == [27, 23, 19, 15, 11, 7, 3]
    assert {row["rep"] for row in answer[ids.ACTIONS_TABLE]["data"]} == {"Bob Singh"}
    everyone = refresh(client, rep="all").get_json()["response"]
    assert everyone[ids.ACTIONS_TABLE]["page_count"] == 2  # 31 actions, 25 a page


def test_the_phone_pager_moves_a_page_and_stops_at_the_last(client: FlaskClient) -> None:
    sign_in(client, "manager")
    second = refresh(client, rep="all", page=0, changed=ids.ACTIONS_NEXT).get_json()["response"]
    assert second[ids.ACTIONS_TABLE]["page_current"] == 1
    assert [row["id"] for row in second[ids.ACTIONS_TABLE]["data"]] == [6, 5, 4, 3, 2, 1]
    past = refresh(client, rep="all", page=1, changed=ids.ACTIONS_NEXT).get_json()["response"]
    assert past[ids.ACTIONS_TABLE]["page_current"] == 1  # no empty page 3
    back = refresh(client, rep="all", page=1, changed=ids.ACTIONS_PREVIOUS).get_json()["response"]
    assert back[ids.ACTIONS_TABLE]["page_current"] == 0


def download(
    client: FlaskClient, rep: str, action: str, target: tuple[str, str, str] = ("all", "all", "all")
) -> Any:
    return call_callback(
        client,
        [(ids.ACTIONS_DOWNLOAD, "data")],
        [(ids.ACTIONS_CSV, "n_clicks", 1)],
        state=[
            (ids.ACTIONS_REP, "value", rep),
            *(
                (i, "value", v)
                for i, v in zip((ids.ACTIONS_REGION, ids.ACTIONS_RFM, ids.ACTIONS_SPEND), target, strict=True)
            ),
            (ids.ACTIONS_FILTER, "value", action),
        ],
    )


def test_the_csv_holds_every_action_in_scope_with_its_reason(client: FlaskClient) -> None:
    sign_in(client, "manager")
    data = download(client, "all", "all").get_json()["response"][ids.ACTIONS_DOWNLOAD]["data"]
    assert data["filename"] == "next-best-actions-all-reps-all.csv"
    rows = list(csv.DictReader(io.StringIO(data["content"])))
    assert len(rows) == 31  # more than one page: the export is not the visible page
    assert rows[0]["customer_key"] == "31" and rows[0]["reason"].startswith("Lead score 70%")
    assert rows[0]["scored_at"] == SCORED_AT.isoformat()
    one = download(client, str(ALICE), "retention_call").get_json()["response"][ids.ACTIONS_DOWNLOAD]["data"]
    assert one["filename"] == "next-best-actions-rep-1-retention-call.csv"
    assert [r["customer_key"] for r in csv.DictReader(io.StringIO(one["content"]))] == [
        str(n) for n in range(28, 0, -4)
    ]
    target = download(client, "all", "all", ("North West", "all", "high")).get_json()["response"]
    listed = target[ids.ACTIONS_DOWNLOAD]["data"]
    assert listed["filename"] == "next-best-actions-all-reps-north-west-high-all.csv"
    rows = list(csv.DictReader(io.StringIO(listed["content"])))
    assert [r["customer_key"] for r in rows] == ["28", "19", "13", "4"]  # n % 3 == 1, n % 5 in (3, 4)
    assert {(r["region"], r["m_score"]) for r in rows} == {("North West", "4"), ("North West", "5")}


def test_a_target_picked_on_the_page_narrows_the_table(client: FlaskClient) -> None:
    sign_in(client, "manager")
    answer = refresh(client, rep="all", target=("Scotland", "all", "low"), changed=ids.ACTIONS_SPEND)
    shown = [row["id"] for row in answer.get_json()["response"][ids.ACTIONS_TABLE]["data"]]
    assert shown == [26, 20, 11, 5]  # Scotland: n % 3 == 2; low spend: monetary score n % 5 + 1 <= 2


def test_a_data_steward_gets_nothing_from_the_callbacks(client: FlaskClient) -> None:
    sign_in(client, "data_steward")
    assert refresh(client, rep="all").status_code == 204  # PreventUpdate: nothing sent back
    assert download(client, "all", "all").status_code == 204


def test_csv_dates_are_iso_text() -> None:
    rows = view.csv_rows(
        [{"customer_key": 1, "last_purchase": dt.date(2025, 3, 1), "next_best_action": None}]
    )
    assert rows[0]["last_purchase"] == "2025-03-01" and rows[0]["reason"] == ""
