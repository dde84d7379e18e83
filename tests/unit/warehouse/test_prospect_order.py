"""The Actions page's prospects read through an index: the same rows as before, unscored last, no sort."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.action_queries import prospects_query
from warehouse.engine import insert_rows
from warehouse.schema import dim_customer, mart_customer_score


def test_prospects_come_by_lead_score_from_an_index_with_the_unscored_last(tmp_path: Path) -> None:
    wh = build_portal_warehouse(tmp_path / "portal.db")
    extra = [(40 + n, None if n % 3 == 0 else round(0.05 * n, 2)) for n in range(12)]  # ties and NULLs
    with wh.begin() as conn:
        insert_rows(conn, dim_customer, [{"customer_key": k, "name": f"Prospect {k}", "is_customer": False,
                                          "source_count": 1} for k, _ in extra])  # fmt: skip
        insert_rows(conn, mart_customer_score, [{"customer_key": k, "lead_score": s, "next_best_action": "nurture_lead",
                                                 "scored_at": dt.datetime(2025, 3, 12, 6, 30), "model_versions": "x"}
                                                for k, s in extra])  # fmt: skip
    statement = prospects_query(limit=100)
    s = mart_customer_score.c
    before = statement.order_by(None).order_by(
        sa.case((s.lead_score.is_(None), 1), else_=0), s.lead_score.desc(), s.customer_key
    )
    rows = wh.rows(statement)
    assert rows == wh.rows(before) and len(rows) > 12
    scores = [r["lead_score"] for r in rows]
    first_null = scores.index(None)
    assert all(v is None for v in scores[first_null:])
    assert scores[:first_null] == sorted(scores[:first_null], reverse=True)
    sql = str(statement.compile(wh.engine, compile_kwargs={"literal_binds": True}))
    with wh.engine.connect() as conn:
        plan = [str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert plan[0] == "SCAN mart_customer_score USING INDEX ix_mcs_lead_score_desc", plan
    assert not any("FOR ORDER BY" in step for step in plan), plan
