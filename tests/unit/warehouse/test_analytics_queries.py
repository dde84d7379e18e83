"""The analytics mart queries compile on every dialect we serve and reject what they cannot answer."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql, sqlite

from warehouse import analytics_queries as q

DAY = dt.date(2026, 11, 27)
BUILDERS = [
    q.kpi_drivers_query(),
    q.kpi_drivers_query("previous_week", DAY, "region", top=1),
    q.kpi_drivers_query(kpi="average_order_value"),
    q.growth_query(),
    q.rfm_segments_query(),
    q.anomalies_query(DAY - dt.timedelta(days=30), DAY, "revenue"),
    q.price_guidance_query("insufficient"),
    q.budget_allocation_query("campaign"),
    q.upsell_candidates_query(10, "Breakroom"),
    q.campaign_performance_query(),
    q.cohort_retention_query(6),
    q.product_affinity_query("product", 10),
    q.purchase_distribution_query(),
]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect(), mssql.dialect()])
@pytest.mark.parametrize("query", BUILDERS)
def test_every_query_compiles(query: sa.Select[object], dialect: sa.Dialect) -> None:
    assert "SELECT" in str(query.compile(dialect=dialect))


def test_latest_week_is_a_subquery_and_top_is_a_rank_bound() -> None:
    sql = str(q.kpi_drivers_query(top=3).compile(compile_kwargs={"literal_binds": True}))
    assert "max(mart_kpi_drivers.period_start)" in sql and "mart_kpi_drivers.rank <= 3" in sql
    assert sql.count("mart_kpi_drivers.kpi = 'revenue'") == 2  # the latest week of this KPI, and its rows


def test_paged_upsell_query_fetches_on_sql_server() -> None:
    sql = str(q.upsell_candidates_query(10).compile(dialect=mssql.dialect()))
    assert "ORDER BY mart_customer_score.upsell_propensity DESC" in sql and ("TOP" in sql or "FETCH" in sql)


def test_unknown_baseline_dimension_or_kpi_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline 'yesterday'"):
        q.kpi_drivers_query("yesterday")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dimension 'colour'"):
        q.kpi_drivers_query(dimension="colour")
    with pytest.raises(ValueError, match="kpi 'margin'"):
        q.kpi_drivers_query(kpi="margin")
    with pytest.raises(ValueError, match="affinity level 'brand'"):
        q.product_affinity_query("brand")  # type: ignore[arg-type]
