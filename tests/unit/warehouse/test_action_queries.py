"""The action queries compile on every dialect we serve, page on SQL Server, and give the same answers on
SQLite and a real PostgreSQL server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql, sqlite

from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse import action_queries as q

SCOPES = [q.ActionScope(), q.ActionScope(rep_key=1), q.ActionScope(rep_key=2, action="thank_you")]
BUILDERS = [
    *(q.actions_query(scope, page=1, page_size=10) for scope in SCOPES),
    *(q.action_count_query(scope) for scope in SCOPES),
    q.actions_export_query(SCOPES[1]),
    q.action_summary_query(),
    q.action_summary_query(q.ActionScope(rep_key=1, region="London", rfm_segment="Loyal", spend="high")),
    q.target_options_query("region"),
    q.target_options_query("rfm_segment"),
    q.prospects_query(rep_key=1, limit=5),
    q.customer_score_query(7),
    q.sales_reps_query(),
    q.lead_funnel_query(),
    q.lead_funnel_query(rep_key=2),
]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect(), mssql.dialect()])
@pytest.mark.parametrize("query", BUILDERS)
def test_every_query_compiles(query: sa.Select[object], dialect: sa.Dialect) -> None:
    assert "SELECT" in str(query.compile(dialect=dialect))


def test_a_page_of_actions_is_fetched_in_a_total_order_on_sql_server() -> None:
    sql = str(
        q.actions_query(q.ActionScope(rep_key=1), page=2, page_size=25).compile(dialect=mssql.dialect())
    )
    assert "ORDER BY mart_customer_score.action_value DESC, mart_customer_score.customer_key" in sql
    assert "FETCH" in sql or "mssql_rn >" in sql  # OFFSET ... FETCH, or ROW_NUMBER() before SQL Server 2012


def test_a_page_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="page -1"):
        q.actions_query(q.ActionScope(), page=-1)
    with pytest.raises(ValueError, match="page_size 501"):
        q.actions_query(q.ActionScope(), page_size=501)


def test_the_same_answers_on_each_dialect(warehouse_url: str) -> None:
    warehouse = build_portal_warehouse(warehouse_url)
    try:
        rows, total = q.actions(warehouse, q.ActionScope(rep_key=1), page=0, page_size=5)
        assert [r["customer_key"] for r in rows] == [31, 28, 26, 24, 22] and total == 15
        assert [r["customer_key"] for r in q.prospects(warehouse)] == [31, 32]
        summary = {r["action"]: int(r["customers"]) for r in q.action_summary(warehouse)}
        assert summary == {
            "retention_call": 7,
            "upsell_offer": 8,
            "re_engagement": 7,
            "thank_you": 7,
            "nurture_lead": 2,
        }
        assert q.customer_score(warehouse, 30) is not None and q.customer_score(warehouse, 33) is None
    finally:
        warehouse.engine.dispose()
