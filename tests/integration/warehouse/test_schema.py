"""The schema is the single source of truth: migrations and the T-SQL file must equal it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warehouse.ddl import SQLSERVER_DDL, sqlserver_ddl
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import metadata
from warehouse.schema.portal_indexes import outside_metadata


def test_alembic_upgrade_from_empty_gives_exactly_the_schema(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    with warehouse.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": outside_metadata}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    upgrade(warehouse)
    with warehouse.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None


def test_checked_in_tsql_equals_the_schema_compiled_for_sql_server() -> None:
    assert SQLSERVER_DDL.read_text(encoding="utf-8") == sqlserver_ddl(), (
        "warehouse/sql/sqlserver/schema.sql is stale: run `python -m warehouse.ddl`"
    )


def test_tsql_uses_sql_server_types() -> None:
    ddl = sqlserver_ddl()
    assert "NVARCHAR(max)" in ddl and "DATETIME2" in ddl and "IDENTITY" in ddl
    assert "NTEXT" not in ddl


def test_upgrade_from_the_shipped_revision_keeps_scores_and_adds_the_analytics_marts(
    warehouse: Warehouse,
) -> None:
    upgrade(warehouse, "0001")
    with warehouse.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO mart_customer_score (customer_key, churn_probability, scored_at, model_versions) "
                "VALUES (7, 0.25, '2026-11-27 23:00:00', 'churn:1')"
            )
        )
    upgrade(warehouse)
    with warehouse.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": outside_metadata}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
        row = conn.execute(sa.text("SELECT * FROM mart_customer_score")).mappings().one()
    assert diff == []
    assert row["churn_probability"] == 0.25 and row["upsell_category"] is None
    assert "mart_price_guidance" in sa.inspect(warehouse.engine).get_table_names()
