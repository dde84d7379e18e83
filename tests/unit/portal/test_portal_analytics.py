"""The Analytics page: the driver sentences of each KPI, growth and budget wording, CSV exports, empty marts and
who may see it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from dash.development.base_component import Component
from flask.testing import FlaskClient

from app import create_app
from components import analytics as view
from components import drivers as why
from components import ids
from components.access import may_open
from components.controls import csv_download, csv_text
from components.shell import navbar
from tests.unit.portal.portal_data import (
    build_portal_warehouse,
    portal_settings,
    post_callback,
    sign_in,
)
from warehouse.users import PortalUser

WEEK = {"period_start": dt.date(2026, 11, 21), "period_end": dt.date(2026, 11, 27)}


def driver(
    rank: int,
    member: str,
    mix: float,
    rate: float,
    before: float = 10_000,
    after: float = 8_770,
    kpi: str = "revenue",
) -> dict[str, Any]:
    return WEEK | {
        "kpi": kpi,
        "rank": rank,
        "member": member,
        "dimension": "region",
        "baseline": "previous_week",
        "kpi_before": before,
        "kpi_after": after,
        "mix_effect": mix,
        "rate_effect": rate,
        "contribution": mix + rate,
    }


def texts(component: Any) -> list[str]:
    """Every string in a Dash component tree, depth first."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, Component):
        return texts(getattr(component, "children", None))
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    return []


def by_class(component: Any, name: str) -> list[Component]:
    found: list[Component] = []
    if isinstance(component, Component):
        if name in (getattr(component, "className", None) or "").split():
            found.append(component)
        found += by_class(getattr(component, "children", None), name)
    elif isinstance(component, list | tuple):
        for c in component:
            found += by_class(c, name)
    return found


def test_driver_sentence_names_the_top_drivers_in_points_of_the_baseline() -> None:
    rows = [
        driver(3, "Scotland", -40, -10),
        driver(1, "North West", -110, -700),
        driver(2, "London", -180, -20),
        driver(4, "Wales", 5, 0),
    ]
    assert why.driver_sentence(rows, "previous_week") == (
        "Revenue fell 12.3% in the week 21–27 Nov 2026 vs last week; North West explains −8.1 points "
        "(rate effect), London −2.0 points (mix effect), Scotland −0.5 points (mix effect)."
    )


def test_driver_sentence_rise_flat_and_nothing_to_compare() -> None:
    rise = [driver(1, "Hospitality", 300, 1_200, before=20_000, after=21_500)]
    assert why.driver_sentence(rise, "mean_4_weeks") == (
        "Revenue rose 7.5% in the week 21–27 Nov 2026 vs the 4-week mean; "
        "Hospitality explains +7.5 points (rate effect)."
    )
    flat = [driver(1, "London", 2, 0, before=20_000, after=20_002)]
    assert why.driver_sentence(flat, "previous_week").startswith(
        "Revenue was flat in the week 21–27 Nov 2026 vs last week; London explains"
    )
    nothing = [driver(1, "London", 900, 0, before=0, after=900)]
    assert why.driver_sentence(nothing, "previous_week") == (
        "Revenue: £900 in the week 21–27 Nov 2026, with nothing to compare with in last week."
    )


def test_drivers_figure_ranks_top_driver_first_and_colours_by_sign() -> None:
    fig = go.Figure(
        why.drivers_figure([driver(2, "London", 50, 0), driver(1, "North West", -110, -700)], "region")
    )
    bar = fig.data[0]
    assert list(bar.y) == ["London", "North West"]  # plotly draws the last category on top
    assert list(bar.marker.color) == [why.UP, why.DOWN]
    assert fig.layout.title.text == "Contribution by region"


def test_a_four_week_period_reads_as_four_weeks() -> None:
    month = driver(1, "London", -400, -100, before=40_000, after=39_500) | {
        "period_start": dt.date(2026, 10, 31),
        "period_end": dt.date(2026, 11, 27),
    }
    assert why.driver_sentence([month], "previous_4_weeks") == (
        "Revenue fell 1.2% in the 4 weeks 31 Oct–27 Nov 2026 vs the 4 weeks before; "
        "London explains −1.2 points (mix effect)."
    )


def test_orders_and_order_value_drivers_read_in_their_own_units() -> None:
    orders = [driver(1, "South East", -14, -2, before=320, after=300, kpi="orders")]
    assert why.driver_sentence(orders, "previous_week") == (
        "Orders fell 6.2% in the week 21–27 Nov 2026 vs last week; South East explains −5.0 points (mix effect)."
    )
    fig = go.Figure(why.drivers_figure(orders, "region"))
    assert fig.layout.xaxis.tickprefix == ""
    assert "customers ordering" in fig.data[0].hovertemplate and "£" not in fig.data[0].hovertemplate
    aov = [driver(1, "Hospitality", 1.5, 9.0, before=300, after=310.5, kpi="average_order_value")]
    assert why.driver_sentence(aov, "mean_4_weeks").startswith(
        "Average order value rose 3.5% in the week 21–27 Nov 2026 vs the 4-week mean; Hospitality explains"
    )
    assert go.Figure(why.drivers_figure(aov, "segment")).layout.xaxis.tickprefix == "£"


def test_growth_cells_read_percent_changes_with_arrows() -> None:
    assert view.growth_cell(4.2) == ("▲ +4.2%", "up")
    assert view.growth_cell(-16.3686) == ("▼ -16.4%", "down")
    assert view.growth_cell(0.01) == ("► 0.0%", "flat")
    assert view.growth_cell(None) == ("—", "flat")


def test_growth_table_puts_metrics_down_and_comparisons_across() -> None:
    day, prev = dt.date(2026, 11, 27), dt.date(2026, 11, 26)
    rows = [
        {"comparison": c, "metric": m, "current_start": day, "current_end": day, "previous_start": prev,
         "previous_end": prev, "current_value": cur, "previous_value": pre, "change_pct": pct}
        for c, m, cur, pre, pct in [
            ("DoD", "revenue", 166.42, 0.0, None),
            ("DLW", "revenue", 166.42, 150.0, 10.9467),
            ("WoW", "revenue", 3543.62, 4237.19, -16.3686),
            ("WoW", "orders", 8, 9, -11.111),
            ("YoY", "active_customers", 86, 79, 8.8608),
        ]
    ]  # fmt: skip
    table = view.growth_table(rows, "growth")
    head = by_class(table, "text-end")[:4]
    assert [h.children for h in head] == ["DoD", "Day vs LW", "WoW", "YoY"]
    assert head[1].title == "The day vs the same weekday last week"
    wow = by_class(table, "growth-revenue-WoW")[0]
    assert texts(wow) == ["▼ -16.4%", "£3,544"]
    assert by_class(wow, "kpi-growth-down") and "vs £4,237" in wow.title
    assert texts(by_class(table, "growth-revenue-DoD")[0]) == ["—", "£166"]
    assert texts(by_class(table, "growth-active_customers-YoY")[0]) == ["▲ +8.9%", "86"]
    assert "Orders" in texts(table) and "New customers" not in texts(table)


def budget_rows() -> list[dict[str, Any]]:
    common = {"level": "channel", "daily_budget": 1_000.0, "share": 0.5, "expected_conversions": 1.0,
              "marginal_return": 1.0, "roi": 1.0}  # fmt: skip
    return [
        common | {"name": "google_ads", "channel": "google_ads", "current_spend": 400.0,
                  "recommended_spend": 700.0, "current_return": 900.0, "expected_return": 1_500.0},
        common | {"name": "meta", "channel": "meta", "current_spend": 600.0, "recommended_spend": 300.0,
                  "current_return": 700.0, "expected_return": 400.0},
    ]  # fmt: skip


def test_budget_summary_and_table_show_the_shift_and_its_return() -> None:
    rows = budget_rows()
    assert view.budget_summary(rows) == (
        "Moving £300 a day of the £1,000 daily budget between channels is expected to return "
        "£1,900 a day instead of £1,600 (+18.8%)."
    )
    table = view.budget_table(rows, "budget")
    assert texts(table)[7:14] == ["Google Ads", "£400", "£700", "+£300", "£900", "£1,500", "+£600"]
    assert texts(table)[14:21] == ["Meta ads", "£600", "£300", "−£300", "£700", "£400", "−£300"]
    assert texts(table)[-7:] == ["Total", "£1,000", "£1,000", "", "£1,600", "£1,900", "+£300"]


def test_signed_money_has_a_true_minus_and_no_signed_zero() -> None:
    assert [view.signed_money(v) for v in (300, -0.71, -0.0004, 0)] == ["+£300", "−£0.71", "£0", "£0"]


def test_price_guidance_says_why_there_is_no_estimate() -> None:
    insufficient = {"status": "insufficient", "reason": "slope not negative (p = 0.41)", "elasticity": None}
    assert view.price_text(insufficient) == "Insufficient data: slope not negative (p = 0.41)"
    estimated = {"status": "estimated", "reason": "", "elasticity": -1.84, "std_error": 0.31,
                 "guidance": "elastic: test a 5% price cut"}  # fmt: skip
    assert view.price_text(estimated) == "Elasticity −1.84 ± 0.31 — elastic: test a 5% price cut"
    table = view.price_table([estimated | {"segment": "Retail", "category": "Lighting"}], "price")
    assert "1 of 1 segment × category groups have a price elasticity estimate." in texts(table)


def test_csv_exports_have_a_header_and_iso_dates() -> None:
    rows = [driver(1, "North West", -110.5, -700)]
    download = csv_download(rows, ("period_start", "member", "contribution", "share_of_change"), "d.csv")
    assert download == {
        "content": "period_start,member,contribution,share_of_change\n2026-11-21,North West,-810.5,\n",
        "filename": "d.csv",
        "type": "text/csv",
        "base64": False,
    }
    assert (
        csv_text(budget_rows(), view.BUDGET_CSV_COLUMNS)
        .splitlines()[0]
        .startswith("level,name,channel,current_spend,recommended_spend")
    )


def test_every_builder_says_no_data_yet_on_empty_marts() -> None:
    assert why.driver_sentence([], "previous_week") == view.NO_DATA
    assert view.budget_summary([]) == view.NO_DATA
    for table in (view.growth_table, view.rfm_table, view.budget_table, view.price_table):
        assert texts(table([], "t")) == [view.NO_DATA]
    assert texts(view.anomalies_table([], "t")) == ["No unusual days in the last 30 days."]
    for fig in (go.Figure(why.drivers_figure([], "region")), go.Figure(view.rfm_figure([]))):
        assert fig.layout.annotations[0].text == "No data yet — run the pipeline"


def _user(role: str) -> PortalUser:
    return PortalUser(1, role, role, f"Demo {role}", None, None)


@pytest.mark.parametrize(
    ("role", "sees"),
    [("analyst", True), ("manager", True), ("admin", True), ("sales_rep", False), ("marketing", False)],
)
def test_analytics_is_in_the_navbar_only_for_roles_that_may_open_it(role: str, sees: bool) -> None:
    hrefs = str(navbar(_user(role)).to_plotly_json())
    assert ("'/analytics'" in hrefs) is sees
    assert may_open(role, "/analytics") is sees
    assert "'/customers'" in hrefs


def sections_callback(client: FlaskClient) -> Any:
    outputs = [
        (ids.ANALYTICS_GROWTH, "children"), (ids.ANALYTICS_ANOMALIES, "children"),
        (ids.ANALYTICS_RFM, "children"),
        (ids.ANALYTICS_BUDGET_SUMMARY, "children"), (ids.ANALYTICS_BUDGET, "children"),
        (ids.ANALYTICS_PRICE, "children"), (ids.ANALYTICS_ALERT, "children"), (ids.ANALYTICS_ALERT, "is_open"),
    ]  # fmt: skip
    return post_callback(client, outputs, (ids.ANALYTICS_LOAD, "data", 0))


def test_a_warehouse_without_analytics_says_run_the_pipeline(tmp_path: Path) -> None:
    app = create_app(portal_settings(tmp_path), build_portal_warehouse(tmp_path / "bare.db", rfm=False))
    client = app.server.test_client()
    assert sign_in(client, "analyst").status_code == 303
    response = sections_callback(client)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer[ids.ANALYTICS_ALERT] == {"children": view.NO_DATA, "is_open": True}
    assert view.NO_DATA in str(answer[ids.ANALYTICS_BUDGET]["children"])


def budget_download(client: FlaskClient) -> Any:
    body = {
        "output": f"{ids.ANALYTICS_BUDGET_DOWNLOAD}.data",
        "outputs": {"id": ids.ANALYTICS_BUDGET_DOWNLOAD, "property": "data"},
        "inputs": [{"id": ids.ANALYTICS_BUDGET_CSV, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{ids.ANALYTICS_BUDGET_CSV}.n_clicks"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def test_the_budget_csv_downloads_for_a_manager(signed_in: FlaskClient) -> None:
    response = budget_download(signed_in)
    assert response.status_code == 200
    data = response.get_json()["response"][ids.ANALYTICS_BUDGET_DOWNLOAD]["data"]
    assert data["filename"] == "budget-allocation.csv"
    assert data["content"] == ",".join(view.BUDGET_CSV_COLUMNS) + "\n"  # no rows yet: the header only


def test_the_drivers_csv_names_the_week_and_baseline(signed_in: FlaskClient) -> None:
    body = {
        "output": f"{ids.ANALYTICS_DRIVERS_DOWNLOAD}.data",
        "outputs": {"id": ids.ANALYTICS_DRIVERS_DOWNLOAD, "property": "data"},
        "inputs": [{"id": ids.ANALYTICS_DRIVERS_CSV, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{ids.ANALYTICS_DRIVERS_CSV}.n_clicks"],
        "state": [
            {"id": ids.ANALYTICS_KPI, "property": "value", "value": "average_order_value"},
            {"id": ids.ANALYTICS_BASELINE, "property": "value", "value": "mean_4_weeks"},
        ],
    }
    data = signed_in.post("/_dash-update-component", json=body).get_json()["response"]
    download = data[ids.ANALYTICS_DRIVERS_DOWNLOAD]["data"]
    assert (
        download["filename"] == "average-order-value-drivers-none-mean_4_weeks.csv"
    )  # no week in the mart yet
    assert download["content"].startswith("period_start,period_end,baseline,kpi,dimension,rank,member,")


def drivers_callback(client: FlaskClient, kpi: str, dimension: str) -> Any:
    outputs = [(ids.ANALYTICS_DRIVER_SENTENCE, "children"), (ids.ANALYTICS_DRIVER_GRAPH, "figure")]
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [
            {"id": ids.ANALYTICS_KPI, "property": "value", "value": kpi},
            {"id": ids.ANALYTICS_DIMENSION, "property": "value", "value": dimension},
            {"id": ids.ANALYTICS_BASELINE, "property": "value", "value": "previous_week"},
        ],
        "changedPropIds": [f"{ids.ANALYTICS_KPI}.value"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def test_orders_by_category_says_why_there_are_no_drivers(signed_in: FlaskClient) -> None:
    answer = drivers_callback(signed_in, "orders", "category").get_json()["response"]
    assert answer[ids.ANALYTICS_DRIVER_SENTENCE]["children"] == (
        "No category drivers for orders: one order can hold several categories."
    )
    revenue = drivers_callback(signed_in, "revenue", "category").get_json()["response"]
    assert revenue[ids.ANALYTICS_DRIVER_SENTENCE]["children"] == view.NO_DATA  # the marts are empty


def test_a_sales_rep_gets_no_analytics_from_the_callbacks(client: FlaskClient) -> None:
    assert sign_in(client, "sales_rep").status_code == 303
    assert sections_callback(client).status_code == 204  # PreventUpdate: nothing sent back
    assert budget_download(client).status_code == 204
    assert drivers_callback(client, "orders", "region").status_code == 204


def test_price_guidance_lists_only_groups_with_an_estimate_and_counts_the_rest() -> None:
    estimated = {"status": "estimated", "reason": "", "elasticity": -1.6, "std_error": 0.2,
                 "guidance": "elastic: test a 5% price cut", "segment": "Retail", "category": "Packaging"}  # fmt: skip
    lacking = {"status": "insufficient", "reason": "price spread 0.004 < 0.02", "elasticity": None,
               "segment": "Office", "category": "Breakroom"}  # fmt: skip
    shown = texts(view.price_table([estimated, lacking, lacking], "price"))
    assert shown[0] == (
        "1 of 3 segment × category groups have a price elasticity estimate. 2 lack the data for one "
        "(too few lines, too little price variation, or no clear negative slope) and are not shown."
    )
    assert "Retail" in shown and "Office" not in shown
    assert "No group has enough price variation" in " ".join(texts(view.price_table([lacking], "price")))
