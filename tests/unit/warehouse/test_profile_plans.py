"""A Customer 360 profile reads one customer's rows by index on both backends, whatever the warehouse's size."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.profile import events_query


def _plan(warehouse: Warehouse, query: sa.Select[Any]) -> str:
    with warehouse.engine.connect() as conn:
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            return " | ".join(str(r[-1]) for r in conn.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
        conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: show what the planner can use
        return " | ".join(str(r[0]) for r in conn.execute(sa.text("EXPLAIN " + sql)))


def test_the_merge_history_of_a_customer_is_read_by_index(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    plan = _plan(warehouse, events_query(42))
    assert "ix_identity_event_customer_key" in plan and "ix_identity_event_other_key" in plan, plan
    assert "SCAN identity_event" not in plan and "Seq Scan" not in plan, plan
