"""A long transaction that fills a table from empty looks rows up by the index all along (PostgreSQL).

psycopg prepares a statement it has run five times, and PostgreSQL may then keep one generic plan for it: a
plan made while the table was nearly empty (a sequential scan) would go on scanning the whole table as it
grows. The warehouse's connections plan each execution.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from warehouse.engine import Warehouse


@pytest.mark.postgres
def test_a_lookup_repeated_while_its_table_grows_keeps_using_the_index(pg_database: str) -> None:
    warehouse = Warehouse.from_url(pg_database)
    lookup = sa.text("SELECT event_id FROM grows WHERE event_id IN (:a, :b, :c)")
    ids = {"a": "id-1", "b": "id-2", "c": "id-none"}
    with warehouse.begin() as conn:
        conn.execute(sa.text("CREATE TABLE grows (event_id varchar(64) PRIMARY KEY, body text NOT NULL)"))
        conn.execute(sa.text("INSERT INTO grows SELECT 'id-' || i, 'x' FROM generate_series(1, 20) i"))
        for _ in range(12):  # more than psycopg's and PostgreSQL's thresholds for keeping a plan
            assert sorted(conn.execute(lookup, ids).scalars()) == ["id-1", "id-2"]
        conn.execute(
            sa.text(
                "INSERT INTO grows SELECT 'id-' || i, repeat('x', 200) FROM generate_series(21, 100000) i"
            )
        )
        assert sorted(conn.execute(lookup, ids).scalars()) == ["id-1", "id-2"]
        kept = conn.execute(
            sa.text("SELECT name FROM pg_prepared_statements WHERE statement LIKE '%FROM grows%'")
        ).scalars()
        plans = {
            name: "\n".join(
                conn.exec_driver_sql(f"EXPLAIN EXECUTE {name}('id-1', 'id-2', 'id-none')").scalars()
            )
            for name in kept
        }  # what the session would run the lookup by, were a plan kept
        plans["now"] = "\n".join(conn.execute(sa.text(f"EXPLAIN {lookup.text}"), ids).scalars())
    warehouse.engine.dispose()
    assert all("Index" in plan and "Seq Scan" not in plan for plan in plans.values()), plans
