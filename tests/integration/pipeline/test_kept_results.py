"""The analytics and score steps compute again only when what they compute from changed: a batch in which a
customer only changed their phone keeps the marts and the scores, and they are what computing again gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.analytics.rows import MART_NAMES
from pipeline.config import load_sources
from pipeline.runner import run_batch
from pipeline.steps.analytics import build_analytics
from pipeline.steps.score import score
from tests.integration.pipeline.conftest import (
    FIXED_NOW,
    FirstBatch,
    change_a_phone,
    copy_demo,
    fixed_clock,
    snapshot,
)
from warehouse.engine import Warehouse
from warehouse.schema import (
    dim_customer,
    fact_sales_line,
    mart_customer_score,
    mart_kpi_daily,
    mart_sales_forecast,
    metadata,
    ops_step_run,
    ops_watermark,
)


def _marts(conn: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: sorted((tuple(r) for r in conn.execute(sa.select(metadata.tables[name]))), key=repr)
        for name in MART_NAMES
    }


def _message(warehouse: Warehouse, batch_id: int, step: str = "analytics") -> str:
    s = ops_step_run.c
    query = sa.select(s.message).where(s.batch_id == batch_id, s.step == step)
    return str(warehouse.scalar(query))


def _scores(conn: sa.Connection) -> list[tuple[Any, ...]]:
    """Every customer's scores, without when they were computed."""
    columns = [c for c in mart_customer_score.c if c.name != "scored_at"]
    return sorted(tuple(r) for r in conn.execute(sa.select(*columns)))


def _forecast(conn: sa.Connection) -> list[tuple[Any, ...]]:
    return [
        tuple(r) for r in conn.execute(sa.select(mart_sales_forecast).order_by(mart_sales_forecast.c.day))
    ]


def test_a_phone_change_keeps_marts_and_scores_and_a_region_change_computes_again(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    sources = copy_demo(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    assert "unchanged" not in _message(warehouse, 1)
    change_a_phone(sources)
    outcome = run_batch(warehouse, load_sources(sources), clock=fixed_clock)
    assert outcome.status == "succeeded"
    assert "of" in _message(warehouse, outcome.batch_id, "core") and "redone" in _message(
        warehouse, outcome.batch_id, "core"
    ), "core redid only the changed customer"
    assert _message(warehouse, outcome.batch_id, "marts") == "1 customers and 0 days redone"
    assert "inputs unchanged" in _message(warehouse, outcome.batch_id)
    assert "unchanged" in _message(warehouse, outcome.batch_id, "score")
    kept = snapshot(warehouse, MART_NAMES)

    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "analytics:inputs"))
        assert build_analytics(conn, 90).rows_out > 0
        assert _marts(conn) == kept, "the kept marts are what computing them again gives"
        scores, forecast = _scores(conn), _forecast(conn)
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "score:inputs"))
        again = score(conn, 90, FIXED_NOW)
        assert again.rows_out > 0 and "forecast kept" in again.message, again.message
        assert _scores(conn) == scores, "the kept scores are what scoring again gives"
        conn.execute(
            ops_watermark.delete().where(ops_watermark.c.name.in_(["score:inputs", "score:forecast"]))
        )
        assert "forecast kept" not in score(conn, 90, FIXED_NOW).message
        assert _forecast(conn) == forecast, "the kept forecast is what forecasting again gives"
        day = conn.execute(sa.select(sa.func.max(mart_kpi_daily.c.day))).scalar_one()
        more = mart_kpi_daily.c.revenue + 500
        conn.execute(mart_kpi_daily.update().where(mart_kpi_daily.c.day == day).values(revenue=more))
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "score:inputs"))
        assert "forecast kept" not in score(conn, 90, FIXED_NOW).message, "the daily revenue moved"
        buyer = conn.execute(sa.select(sa.func.max(fact_sales_line.c.customer_key))).scalar_one()
        conn.execute(dim_customer.update().where(dim_customer.c.customer_key == buyer).values(region="Fife"))
        assert build_analytics(conn, 91).rows_out > 0, "a customer's region is what drivers group by"
        transaction.rollback()
