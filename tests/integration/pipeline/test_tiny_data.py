"""Every step works on tiny and empty data: no records, every record rejected, a directory alone, one
customer with one sale, a few customers, customers without sales, sales without customers.

Each batch runs through every step, twice; the marts hold exactly what the few sales say (or nothing),
and the portal's pages show their empty state.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app import create_app
from components import analytics as view
from components import ids
from components.actions import NO_SCORES
from pipeline import deletions
from pipeline.config import load_sources
from pipeline.runner import run_batch
from pipeline.steps.score import score
from tests.integration.pipeline.conftest import (
    DATA_TABLES,
    FIXED_NOW,
    demo_settings,
    fixed_clock,
    generate_demo,
    snapshot,
)
from tests.integration.pipeline.tiny_sources import SETS, build
from tests.unit.portal.portal_data import PASSWORD, call_callback, portal_settings, sign_in
from tests.unit.portal.test_portal_analytics import sections_callback
from warehouse import users
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import metadata

STEPS = [
    "land",
    "stage",
    "profile",
    "match",
    "core",
    "relationships",
    "marts",
    "analytics",
    "score",
    "quality",
]
SALES_MARTS = [
    name
    for name in metadata.tables
    if name.startswith("mart_")
    and name not in ("mart_customer_kpi", "mart_lead_funnel", "mart_customer_score")
]
WITHOUT_SALES = [
    "directory_only",
    "every_record_rejected",
    "no_records",
    "customers_without_sales",
    "sales_without_customers",
]


@pytest.fixture(scope="session")
def clean_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo data set without planted malformed records, to cut the tiny sets from."""
    return generate_demo(tmp_path_factory.mktemp("clean-demo"), 120).parent


def tiny(clean_demo: Path, where: Path, name: str) -> Path:
    return build(clean_demo, where / name, SETS[name])


def run(warehouse: Warehouse, sources_toml: Path, force: bool = False) -> str:
    upgrade(warehouse)
    return run_batch(warehouse, load_sources(sources_toml), clock=fixed_clock, force=force).status


def query(warehouse: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, money as float on every dialect (PostgreSQL sends NUMERIC as Decimal)."""
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.text(sql))
        return [tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in r) for r in rows]


def steps(warehouse: Warehouse, batch_id: int) -> dict[str, tuple[str, int, int]]:
    rows = query(
        warehouse,
        f"SELECT step, status, rows_out, rows_rejected FROM ops_step_run WHERE batch_id = {batch_id}",
    )
    return {step: (status, out, rejected) for step, status, out, rejected in rows}


def count(warehouse: Warehouse, table: str) -> int:
    return int(query(warehouse, f"SELECT COUNT(*) FROM {table}")[0][0])


def sold(sources_toml: Path) -> list[dict[str, Any]]:
    """The sales lines the tiny set's QuickBooks export holds."""
    lines = []
    for entity in ("Invoice", "SalesReceipt"):
        page = sources_toml.parent / "quickbooks" / entity / "page-00001.json"
        for doc in json.loads(page.read_text(encoding="utf-8"))["QueryResponse"][entity]:
            lines += [
                ln | {"order": (entity, doc["Id"]), "day": doc["TxnDate"]}
                for ln in doc["Line"]
                if ln["DetailType"] == "SalesItemLineDetail"
            ]
    return lines


@pytest.mark.parametrize("name", list(SETS))
def test_every_step_completes_and_a_forced_rerun_changes_nothing(
    name: str, warehouse: Warehouse, clean_demo: Path, tmp_path: Path
) -> None:
    sources = tiny(clean_demo, tmp_path, name)
    with demo_settings(tmp_path):  # the score step's model folder lives under tmp_path
        assert run(warehouse, sources) == "succeeded"
        assert {s: v[0] for s, v in steps(warehouse, 1).items()} == dict.fromkeys(STEPS, "succeeded")
        before = snapshot(warehouse, DATA_TABLES)
        assert run(warehouse, sources, force=True) == "succeeded"
        assert {s: v[0] for s, v in steps(warehouse, 2).items()} == dict.fromkeys(STEPS, "succeeded")
        assert snapshot(warehouse, DATA_TABLES) == before
    if name in WITHOUT_SALES:
        assert {t: count(warehouse, t) for t in SALES_MARTS} == dict.fromkeys(SALES_MARTS, 0)
        assert count(warehouse, "mart_customer_score") == 0
        assert query(
            warehouse, "SELECT COUNT(*), SUM(revenue_total) FROM mart_customer_kpi WHERE orders > 0"
        ) == [(0, None)]
    else:
        assert count(warehouse, "mart_kpi_daily") > 0 and count(warehouse, "mart_customer_rfm") > 0


def test_one_sale_is_the_revenue_order_and_customer_every_mart_shows(
    warehouse: Warehouse, clean_demo: Path, tmp_path: Path
) -> None:
    sources = tiny(clean_demo, tmp_path, "one_customer_one_sale")
    [line] = sold(sources)
    amount, day = line["Amount"], line["day"]
    with demo_settings(tmp_path):
        assert run(warehouse, sources) == "succeeded"
    assert query(warehouse, "SELECT SUM(revenue), SUM(orders) FROM mart_sales WHERE grain = 'day'") == [
        (amount, 1)
    ]
    revenue = query(
        warehouse, "SELECT day, revenue, orders, new_customers FROM mart_kpi_daily WHERE orders > 0"
    )
    assert [(str(d), r, o, n) for d, r, o, n in revenue] == [(day, amount, 1, 1)]
    assert query(warehouse, "SELECT SUM(revenue) FROM mart_kpi_daily") == [(amount,)]
    kpi = query(warehouse, "SELECT orders, revenue_total, avg_order_value FROM mart_customer_kpi")
    assert kpi == [(1, amount, amount)]
    assert query(warehouse, "SELECT customer_key, frequency, monetary FROM mart_customer_rfm")[0][1:] == (
        1,
        amount,
    )
    assert count(warehouse, "dim_customer") == count(warehouse, "mart_customer_score") == 1
    message = query(warehouse, "SELECT message FROM ops_step_run WHERE step = 'score'")[0][0]
    assert "churn not trained: not enough history (1 sales lines)" in message  # never a model of one sale
    assert count(warehouse, "model_registry") == 0


def test_a_few_customers_sales_add_up_in_every_mart(
    warehouse: Warehouse, clean_demo: Path, tmp_path: Path
) -> None:
    sources = tiny(clean_demo, tmp_path, "few_customers")
    lines = sold(sources)
    total = round(sum(ln["Amount"] for ln in lines), 2)
    orders = len({ln["order"] for ln in lines})
    with demo_settings(tmp_path):
        assert run(warehouse, sources) == "succeeded"
    [(monthly,)] = query(warehouse, "SELECT SUM(revenue) FROM mart_sales WHERE grain = 'month'")
    [(daily, daily_orders)] = query(warehouse, "SELECT SUM(revenue), SUM(orders) FROM mart_kpi_daily")
    assert round(monthly, 2) == round(daily, 2) == total
    assert daily_orders == orders
    assert query(warehouse, "SELECT COUNT(*) FROM mart_customer_kpi WHERE orders > 0") == [(4,)]
    assert count(warehouse, "mart_campaign_performance") == 1  # the one campaign, 5 days of it


def test_every_rejected_record_is_counted_where_it_was_quarantined(
    warehouse: Warehouse, clean_demo: Path, tmp_path: Path
) -> None:
    with demo_settings(tmp_path):
        assert run(warehouse, tiny(clean_demo, tmp_path, "every_record_rejected")) == "succeeded"
    landed = count(warehouse, "land_record")
    assert landed == 5  # one broken page per QuickBooks entity
    assert (
        steps(warehouse, 1)["stage"]
        == ("succeeded", 0, landed)
        == ("succeeded", 0, count(warehouse, "stg_reject"))
    )


def test_sales_of_unknown_customers_are_quarantined_and_the_core_step_counts_them(
    warehouse: Warehouse, clean_demo: Path, tmp_path: Path
) -> None:
    sources = tiny(clean_demo, tmp_path, "sales_without_customers")
    with demo_settings(tmp_path):
        assert run(warehouse, sources) == "succeeded"
    quarantined = query(
        warehouse, "SELECT entity, COUNT(*) FROM stg_reject WHERE rule = 'unknown_customer' GROUP BY entity"
    )
    assert dict(quarantined)["SalesLine"] == len(sold(sources))
    assert steps(warehouse, 1)["core"][2] == sum(n for _, n in quarantined) > 0
    assert count(warehouse, "fact_sales_line") == 0


def test_when_the_sources_shrink_to_one_sale_no_score_comes_from_models_of_the_data_that_went(
    clean_demo: Path, tmp_path: Path
) -> None:
    with demo_settings(tmp_path) as warehouse:
        assert run(warehouse, clean_demo / "sources.toml") == "succeeded"
        champions = query(warehouse, "SELECT model FROM model_registry WHERE status = 'champion'")
        assert ("churn",) in champions and ("clv",) in champions, "the demo trains its models"
        shrunk = tiny(
            clean_demo, tmp_path, "one_customer_one_sale"
        )  # the QuickBooks export now holds one sale
        assert run(warehouse, shrunk) == "succeeded"
        with warehouse.begin() as conn:  # so many deletions wait for a steward, who approves them
            held = deletions.holds(conn, deletions.HELD)
            assert held, "the mass deletion was held"
            for hold in held:
                deletions.decide(conn, hold["hold_id"], True, "steward", FIXED_NOW + dt.timedelta(hours=1))
        assert run(warehouse, shrunk) == "succeeded"
        with warehouse.begin() as conn:
            again = score(conn, None, FIXED_NOW)  # the next batch's score step says the same
    assert "churn not trained: not enough history (1 sales lines)" in str(again.message)
    scores = query(
        warehouse,
        "SELECT COUNT(*), COUNT(churn_probability), COUNT(clv_12m), COUNT(lead_score), "
        "COUNT(upsell_propensity), COUNT(next_best_action) FROM mart_customer_score",
    )
    assert scores == [(count(warehouse, "dim_customer"), 0, 0, 0, 0, 0)]  # every customer, no stale score
    orphans = "SELECT COUNT(*) FROM mart_customer_score s LEFT JOIN dim_customer c USING (customer_key)"
    assert query(warehouse, orphans + " WHERE c.customer_key IS NULL") == [(0,)]
    assert query(warehouse, "SELECT SUM(revenue) FROM mart_kpi_daily") == [(sold(shrunk)[0]["Amount"],)]


OVERVIEW = [
    (ids.OVERVIEW_KPI_ROW, "children"), (ids.OVERVIEW_AS_OF, "children"), (ids.OVERVIEW_ALERT, "children"), (ids.OVERVIEW_ALERT, "is_open"),
]  # fmt: skip
CUSTOMERS = [(ids.CUSTOMERS_TABLE, "data"), (ids.CUSTOMERS_TABLE, "page_current")]
CUSTOMERS_COUNT = [(ids.CUSTOMERS_TABLE, "page_count"), (ids.CUSTOMERS_COUNT, "children")]
ACTIONS = [
    (ids.ACTIONS_SUMMARY, "children"),
    (ids.ACTIONS_PROSPECTS, "children"),
    (ids.ACTIONS_FUNNEL, "children"),
]
CAMPAIGNS = [
    (ids.CAMPAIGNS_SUMMARY, "children"), (ids.CAMPAIGNS_CHANNELS, "children"), (ids.CAMPAIGNS_BUDGET_SUMMARY, "children"),
    (ids.CAMPAIGNS_BUDGET, "children"), (ids.CAMPAIGNS_TABLE, "children"),
]  # fmt: skip


def page_answers(warehouse: Warehouse, var_dir: Path) -> dict[str, Any]:
    """What each page's callbacks send an admin: Overview, Customers, Actions, Analytics, Campaigns."""
    users.ensure_demo_users(warehouse, PASSWORD)
    client = create_app(portal_settings(var_dir), warehouse).server.test_client()
    assert sign_in(client, "admin").status_code == 303
    scope = [
        (i, "value", "all") for i in (ids.ACTIONS_REP, ids.ACTIONS_REGION, ids.ACTIONS_RFM, ids.ACTIONS_SPEND)
    ]
    responses = {
        "overview": call_callback(client, OVERVIEW, [(ids.OVERVIEW_LOAD, "data", 0)]),
        "customers": call_callback(
            client,
            CUSTOMERS,
            [
                (ids.CUSTOMERS_SEARCH, "value", ""),
                (ids.CUSTOMERS_TABLE, "page_current", 0),
                (ids.CUSTOMERS_TABLE, "sort_by", []),
            ],
        ),
        "customers_count": call_callback(client, CUSTOMERS_COUNT, [(ids.CUSTOMERS_SEARCH, "value", "")]),
        "actions": call_callback(client, ACTIONS, scope),
        "analytics": sections_callback(client),
        "campaigns": call_callback(client, CAMPAIGNS, [(ids.CAMPAIGNS_LOAD, "data", 0)]),
    }
    for path in ("/", "/customers", "/actions", "/analytics", "/campaigns"):
        assert client.get(path).status_code == 200, path
    assert {page: r.status_code for page, r in responses.items()} == dict.fromkeys(responses, 200)
    return {page: r.get_json()["response"] for page, r in responses.items()}


@pytest.mark.parametrize(("name", "customers"), [("no_records", 0), ("customers_without_sales", 5)])
def test_the_pages_say_there_is_no_data_yet_after_a_batch_without_sales(
    name: str, customers: int, clean_demo: Path, tmp_path: Path
) -> None:
    with demo_settings(tmp_path) as warehouse:
        assert run(warehouse, tiny(clean_demo, tmp_path, name)) == "succeeded"
    answers = page_answers(warehouse, tmp_path)
    overview = answers["overview"]
    assert overview[ids.OVERVIEW_ALERT] == {
        "children": "No sales data yet: run the pipeline to build the marts.",
        "is_open": True,
    }
    assert overview[ids.OVERVIEW_KPI_ROW]["children"] == []
    assert answers["customers_count"][ids.CUSTOMERS_COUNT]["children"] == f"{customers} customers"
    assert len(answers["customers"][ids.CUSTOMERS_TABLE]["data"]) == customers
    assert NO_SCORES in str(answers["actions"][ids.ACTIONS_SUMMARY])
    assert answers["analytics"][ids.ANALYTICS_ALERT] == {"children": view.NO_DATA, "is_open": True}
    assert answers["campaigns"][ids.CAMPAIGNS_SUMMARY]["children"] == view.NO_DATA


def test_the_pages_show_the_one_sale(clean_demo: Path, tmp_path: Path) -> None:
    sources = tiny(clean_demo, tmp_path, "one_customer_one_sale")
    with demo_settings(tmp_path) as warehouse:
        assert run(warehouse, sources) == "succeeded"
    answers = page_answers(warehouse, tmp_path)
    assert answers["overview"][ids.OVERVIEW_ALERT]["is_open"] is False
    assert answers["overview"][ids.OVERVIEW_AS_OF]["children"].startswith(f"As of {FIXED_NOW:%A %d %B %Y}")
    [customer] = answers["customers"][ids.CUSTOMERS_TABLE]["data"]
    assert answers["customers_count"][ids.CUSTOMERS_COUNT]["children"] == "1 customer"
    [line] = sold(sources)
    assert (customer["orders"], customer["revenue_total"], customer["last_purchase"]) == (
        1,
        line["Amount"],
        line["day"],
    )
    assert answers["analytics"][ids.ANALYTICS_ALERT]["is_open"] is False
