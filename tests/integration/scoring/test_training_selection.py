"""The warehouse training loop chooses each classifier over four rolling origins when two years of sales allow
it, and on the single holdout when they do not, and the step record says which was used.

The inputs are the demo generator's world in memory (`models.demo.demo_world`, 300 customers, two years of
sales), as the score step reads them from the warehouse; the registry is a migrated SQLite warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from models.demo import demo_world
from pipeline.scoring import Inputs, selection, train_if_due
from pipeline.scoring.selection import ROLLING
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import model_registry

NOW = dt.datetime(2026, 11, 27, 23, 0)


@pytest.fixture(scope="module")
def world_inputs() -> Inputs:
    world = demo_world(300, 3)
    keys = {c: k for k, c in enumerate(sorted(world.people["customer_id"]), start=1)}
    sales = world.lines.assign(customer_id=world.lines["customer_id"].map(keys))
    sales = sales[["customer_id", "date", "amount", "quantity", "product", "category"]]
    people = world.people.assign(customer_id=world.people["customer_id"].map(keys))
    first = sales.groupby("customer_id")["date"].min()
    customers = people.assign(
        is_customer=people["customer_id"].isin(first.index), first_seen=people["customer_id"].map(first)
    )
    interactions = pd.DataFrame(
        {"customer_id": pd.Series(dtype=int), "date": pd.to_datetime([]), "kind": [], "text": []}
    )
    as_of = pd.Timestamp(sales["date"].max())
    revenue = sales.groupby("date")["amount"].sum().asfreq("D", fill_value=0.0)
    revenue = revenue[revenue.index > as_of - pd.Timedelta(days=300)]  # too short to train the forecast
    return Inputs(
        sales.sort_values(["customer_id", "date"]), interactions, customers, revenue.rename("revenue"), as_of
    )


def _trained(tmp_path: Path, inputs: Inputs) -> tuple[str, dict[str, dict[str, object]]]:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    try:
        with warehouse.begin() as conn:
            summary = train_if_due(conn, inputs, tmp_path / "models", NOW).summary()
        rows = warehouse.rows(sa.select(model_registry.c.model, model_registry.c.selection))
    finally:
        warehouse.engine.dispose()
    return summary, {str(r["model"]): json.loads(str(r["selection"])) for r in rows}


def test_two_years_of_sales_choose_churn_and_upsell_over_four_rolling_origins(
    world_inputs: Inputs, tmp_path: Path
) -> None:
    summary, selections = _trained(tmp_path, world_inputs)
    assert "forecast not trained" in summary
    for model, baseline in (("churn", "logistic"), ("upsell", "segment uptake")):
        selection = selections[model]
        assert selection["method"] == ROLLING, (model, selection["note"])
        assert (
            f"{model} v1 champion ({selection['chosen']} by mean {selection['metric']} over 4 rolling origins)"
            in summary
        )
        [base] = [c for c in selection["candidates"] if c["baseline"]]
        assert base["algorithm"] == baseline
        assert all(len(c["origins"]) == 4 for c in selection["candidates"])
    assert {c["algorithm"] for c in selections["churn"]["candidates"]} == {"logistic", "xgboost+isotonic"}
    # Under 1,000 training customers BG/NBD is CLV's only candidate: no origin is fitted for nothing to compare.
    clv = selections["clv"]
    assert clv["method"] == "only candidate" and [len(c["origins"]) for c in clv["candidates"]] == [1]
    assert "clv v1 champion (bgnbd+gamma_gamma the only candidate: BG/NBD is the only candidate" in summary


def test_a_short_history_falls_back_to_the_single_holdout_and_says_so(
    world_inputs: Inputs, tmp_path: Path
) -> None:
    start = world_inputs.as_of - pd.Timedelta(days=420)
    sales = world_inputs.sales[world_inputs.sales["date"] > start]
    short = Inputs(
        sales, world_inputs.interactions, world_inputs.customers, world_inputs.revenue, world_inputs.as_of
    )
    summary, selections = _trained(tmp_path, short)
    churn = selections["churn"]
    assert churn["method"] == "single holdout"
    assert churn["note"] == "419 days of sales are too short for 4 origins (needs 540)"
    assert f"churn v1 champion ({churn['chosen']} on the single holdout: {churn['note']})" in summary
    assert all(len(c["origins"]) == 1 for c in churn["candidates"])
    assert churn["candidates"][0]["origins"][0]["cutoff"] == str(
        (world_inputs.as_of - pd.Timedelta(days=90)).date()
    )


def test_on_a_base_larger_than_the_sample_each_origin_compares_the_same_fixed_sample_and_says_so(
    world_inputs: Inputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selection, "SAMPLE_CUSTOMERS", 100)  # 300 customers stand in for a million
    summary, selections = _trained(tmp_path, world_inputs)
    churn = selections["churn"]
    assert churn["method"] == ROLLING
    assert re.fullmatch(
        r"on a fixed sample of 100 of the \d+ training customers at each origin", churn["note"]
    )
    assert f"by mean auc over 4 rolling origins ({churn['note']})" in summary
    for candidate in churn["candidates"]:  # one row per customer: at most the sample, trained and scored
        assert all(o["train_rows"] <= 100 and o["rows"] <= 100 for o in candidate["origins"])
    assert max(o["train_rows"] for o in churn["candidates"][0]["origins"]) == 100
