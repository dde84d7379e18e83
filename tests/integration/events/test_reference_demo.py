"""On a demo warehouse built by the whole batch, the engine enriches events exactly as the warehouse says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.events import StreamEngine, load_campaigns, load_customers
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import demo_settings, fixed_clock, generate_demo
from warehouse.engine import Warehouse

pytestmark = pytest.mark.slow  # one batch over 120 demo customers, ~1 minute


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    root: Path = tmp_path_factory.mktemp("events-demo")
    sources = generate_demo(root / "demo", 120)
    with demo_settings(root) as warehouse:
        run_batch(warehouse, load_sources(sources), clock=fixed_clock)
        yield warehouse


def test_every_demo_customer_and_campaign_is_loaded_as_the_warehouse_has_it(
    demo_warehouse: Warehouse,
) -> None:
    rows = demo_warehouse.rows(
        sa.text(
            "SELECT c.customer_key, r.name AS rep, c.region, c.segment, s.churn_probability"
            " FROM dim_customer c LEFT JOIN dim_sales_rep r ON r.rep_key = c.rep_key"
            " LEFT JOIN mart_customer_score s ON s.customer_key = c.customer_key"
        )
    )
    customers = load_customers(demo_warehouse)
    assert len(customers) == len(rows) > 100
    for row in rows:
        got = customers[row["customer_key"]]
        assert got.rep == (row["rep"] or "unassigned") and got.region == (row["region"] or "unknown")
        assert got.segment == (row["segment"] or "unknown")
        assert got.churn_risk == (row["churn_probability"] or 0.0)
    assert any(c.rep == "unassigned" for c in customers.values())
    assert sum(c.churn_risk >= 0.7 for c in customers.values()) > 0  # the churn alert has someone to fire for
    campaigns = load_campaigns(demo_warehouse)
    budgets = demo_warehouse.rows(sa.text("SELECT campaign_key, budget FROM dim_campaign"))
    assert {k: c.budget for k, c in campaigns.items()} == {
        str(r["campaign_key"]): r["budget"] for r in budgets
    }
    assert len(campaigns) > 5


def test_a_demo_customer_at_risk_alerts_their_rep(demo_warehouse: Warehouse) -> None:
    customers = load_customers(demo_warehouse)
    at_risk = next(c for c in customers.values() if c.churn_risk >= 0.7 and c.rep != "unassigned")
    engine = StreamEngine(customers, load_campaigns(demo_warehouse))
    visit = {
        "event_id": "v1",
        "type": "visit",
        "schema_version": 1,
        "occurred_at": "2026-11-27T10:00:00Z",
        "customer_key": at_risk.customer_key,
        "channel": "web",
        "payload": {"page": "/"},
    }
    out = engine.process(json.dumps(visit))
    assert [(a.rule, a.rep, a.region) for a in out.alerts] == [
        ("churn_risk_active", at_risk.rep, at_risk.region)
    ]
    assert {r.dimension_value for r in out.kpis if r.dimension == "rep"} == {at_risk.rep}
