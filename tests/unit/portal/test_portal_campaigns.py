"""The Campaigns page: channel totals summed from campaigns (ROI on summed revenue and spend), how ROI and
rates read, the CSV, and who may see it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from components import campaigns as view
from components import ids
from components.access import may_open
from components.analytics import NO_DATA
from components.controls import csv_text
from tests.unit.portal import portal_data
from tests.unit.portal.portal_data import build_portal_warehouse, call_callback, portal_settings
from tests.unit.portal.test_portal_analytics import texts
from warehouse import analytics_queries as marts
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import mart_campaign_performance


def campaign(
    key: int, channel: str, spend: float, conversions: int, revenue: float, **extra: Any
) -> dict[str, Any]:
    clicks, impressions = 10 * conversions + 100, 10_000
    return {
        "campaign_key": key,
        "name": f"Campaign {key}",
        "channel": channel,
        "start_date": dt.date(2025, 1, 6),
        "end_date": dt.date(2025, 2, 2),
        "spend": spend,
        "impressions": impressions,
        "clicks": clicks,
        "conversions": conversions,
        "ctr": clicks / impressions,
        "conversion_rate": conversions / clicks,
        "cac": spend / conversions if conversions else None,
        "customers": conversions,
        "revenue": revenue,
        "roi": (revenue - spend) / spend if spend else None,
    } | extra


CAMPAIGNS = [
    campaign(1, "email", 100.0, 4, 1_500.0),
    campaign(2, "email", 300.0, 0, 0.0),
    campaign(3, "google_ads", 1_000.0, 10, 1_500.0),
    campaign(4, "trade_show", 0.0, 0, 0.0),
]


def test_a_channels_roi_is_its_summed_revenue_over_its_summed_spend() -> None:
    totals = {t["channel"]: t for t in view.channel_totals(CAMPAIGNS)}
    email = totals["email"]
    assert (email["spend"], email["revenue"], email["conversions"], email["campaigns"]) == (
        400.0,
        1_500.0,
        4,
        2,
    )
    assert email["roi"] == pytest.approx(1_500 / 400 - 1)  # not the mean of +1400% and −100%
    assert email["cac"] == pytest.approx(100.0) and email["ctr"] == pytest.approx(240 / 20_000)
    assert totals["trade_show"]["roi"] is None and totals["trade_show"]["cac"] is None
    assert [t["channel"] for t in view.channel_totals(CAMPAIGNS)] == ["email", "google_ads", "trade_show"]


def test_roi_and_the_summary_read_as_people_say_them() -> None:
    assert [view.roi_text(v) for v in (6.129, -1.0, 0.0, None)] == ["+613%", "−100%", "+0%", "—"]
    assert view.campaigns_summary(view.channel_totals(CAMPAIGNS)) == (
        "£1,400 spent on 4 campaigns brought 14 new customers and £3,000 of revenue within a year of "
        "joining (ROI +114%)."
    )


def test_the_tables_label_channels_and_mark_what_has_no_value() -> None:
    channels = texts(view.channel_table(view.channel_totals(CAMPAIGNS), "c"))
    assert channels[9:18] == ["E-mail", "2", "£400", "1.20%", "1.667%", "£100", "4", "£1,500", "+275%"]
    rows = texts(view.campaign_table(CAMPAIGNS, "t"))
    assert rows[10:20] == [
        "Campaign 1",
        "E-mail",
        "6 Jan–2 Feb 2025",
        "£100",
        "140",
        "1.40%",
        "4",
        "£25",
        "£1,500",
        "+1400%",
    ]
    assert "—" in rows  # no CAC without conversions, no ROI without spend
    assert texts(view.channel_table([], "c")) == texts(view.campaign_table([], "t")) == [NO_DATA]


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("marketing", True),
        ("manager", True),
        ("analyst", True),
        ("admin", True),
        ("sales_rep", False),
        ("data_steward", False),
    ],
)
def test_campaigns_are_open_to_marketing_managers_analysts_and_admins(role: str, sees: bool) -> None:
    assert may_open(role, "/campaigns") is sees


@pytest.fixture
def campaign_warehouse(tmp_path: Path) -> Warehouse:
    warehouse = build_portal_warehouse(tmp_path / "campaigns.db")
    with warehouse.begin() as conn:
        insert_rows(conn, mart_campaign_performance, CAMPAIGNS)
    return warehouse


@pytest.fixture
def campaigns_client(campaign_warehouse: Warehouse, tmp_path: Path) -> FlaskClient:
    return create_app(portal_settings(tmp_path), campaign_warehouse).server.test_client()


def sign_in(client: FlaskClient, username: str) -> FlaskClient:
    assert portal_data.sign_in(client, username).status_code == 303
    return client


OUTPUTS = [
    (ids.CAMPAIGNS_SUMMARY, "children"), (ids.CAMPAIGNS_CHANNELS, "children"),
    (ids.CAMPAIGNS_BUDGET_SUMMARY, "children"), (ids.CAMPAIGNS_BUDGET, "children"), (ids.CAMPAIGNS_TABLE, "children"),
]  # fmt: skip


def test_the_page_reads_best_roi_first_and_the_csv_holds_every_campaign(
    campaigns_client: FlaskClient, campaign_warehouse: Warehouse
) -> None:
    sign_in(campaigns_client, "marketing")
    answer = call_callback(campaigns_client, OUTPUTS, [(ids.CAMPAIGNS_LOAD, "data", 0)]).get_json()[
        "response"
    ]
    assert answer[ids.CAMPAIGNS_SUMMARY]["children"].startswith("£1,400 spent on 4 campaigns")
    assert [r["campaign_key"] for r in marts.campaign_performance(campaign_warehouse)] == [1, 3, 2, 4]
    download = call_callback(
        campaigns_client, [(ids.CAMPAIGNS_DOWNLOAD, "data")], [(ids.CAMPAIGNS_CSV, "n_clicks", 1)]
    )
    data = download.get_json()["response"][ids.CAMPAIGNS_DOWNLOAD]["data"]
    assert data["filename"] == "campaign-performance.csv"
    assert data["content"].splitlines()[0] == ",".join(view.CSV_COLUMNS)
    assert len(data["content"].splitlines()) == 1 + len(CAMPAIGNS)
    assert data["content"] == csv_text(
        marts.campaign_performance(campaign_warehouse),
        view.CSV_COLUMNS,
    )


def test_a_sales_rep_gets_nothing_from_the_campaign_callbacks(campaigns_client: FlaskClient) -> None:
    sign_in(campaigns_client, "sales_rep")
    assert call_callback(campaigns_client, OUTPUTS, [(ids.CAMPAIGNS_LOAD, "data", 0)]).status_code == 204
    assert (
        call_callback(
            campaigns_client, [(ids.CAMPAIGNS_DOWNLOAD, "data")], [(ids.CAMPAIGNS_CSV, "n_clicks", 1)]
        ).status_code
        == 204
    )
