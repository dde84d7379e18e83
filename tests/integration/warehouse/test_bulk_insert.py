"""Bulk inserts: PostgreSQL takes chunks by COPY and stores exactly what row-by-row INSERTs stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from warehouse.engine import Warehouse, WarehouseError, _can_copy, insert_rows
from warehouse.schema import dim_date, dim_product, land_record, ops_batch_run, ops_step_run

pytestmark = pytest.mark.postgres

NOTES = r"""{"Notes": "line one\nline two \\ back\\slash\ttab", "Id": "ID"}"""  # escapes COPY must keep


@pytest.fixture()
def pg(pg_database: str) -> Iterator[Warehouse]:
    wh = Warehouse.from_url(pg_database)
    wh.create_all()
    yield wh
    wh.engine.dispose()


def _rows() -> dict[sa.Table, list[dict[str, Any]]]:
    start = dt.date(2026, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(12)]
    return {
        dim_date: [
            {"date_key": int(d.strftime("%Y%m%d")), "day": d, "year": d.year, "quarter": 1, "month": d.month,
             "iso_week": d.isocalendar().week, "day_of_week": d.isoweekday(), "week_start": d, "month_start": start,
             "is_weekend": d.isoweekday() > 5}
            for d in days
        ],
        dim_product: [
            {"product_key": i, "source": "quickbooks", "source_key": str(i), "name": f"Café crème {i}\\t\"x\"",
             "sku": None if i % 3 else f"SKU-{i}", "category": "Drinks", "unit_price": 1.25 * i, "unit_cost": None}
            for i in range(1, 40)
        ],
        land_record: [
            {"source": "quickbooks", "entity": "Customer", "source_key": str(i), "content_hash": f"{i:064d}",
             "payload": NOTES.replace("ID", str(i)),
             "received_at": dt.datetime(2026, 1, 2, 3, 4, 5, 678000), "batch_id": 1}
            for i in range(7000)  # more than one chunk
        ],
        ops_step_run: [  # rows_in, rows_out and rows_rejected left to their defaults
            {"batch_id": 1, "step": s, "started_at": dt.datetime(2026, 1, 2), "status": "succeeded"}
            for s in ("land", "stage")
        ],
    }  # fmt: skip


def _stored(conn: sa.Connection, table: sa.Table) -> list[tuple[Any, ...]]:
    cols = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(*cols))]


def test_copy_stores_what_insert_stored(pg: Warehouse) -> None:
    batch = {"batch_id": 1, "started_at": dt.datetime(2026, 1, 2), "status": "running", "trigger": "cli",
             "input_fingerprint": "f"}  # fmt: skip
    stored = {}
    with pg.begin() as conn:
        conn.execute(ops_batch_run.insert(), batch)
        for table, rows in _rows().items():
            conn.execute(table.insert(), rows)  # the row-by-row path: the reference
            stored[table] = _stored(conn, table)
            conn.execute(table.delete())
    with pg.begin() as conn:
        for table, rows in _rows().items():
            assert _can_copy(conn, table, set(rows[0]))
            assert insert_rows(conn, table, iter(rows)) == len(rows)
            assert _stored(conn, table) == stored[table], table.name
    assert stored[ops_step_run][0][5:8] == (0, 0, 0)  # rows_in, rows_out, rows_rejected defaulted


def test_a_bad_row_fails_the_chunk_with_the_table_named(pg: Warehouse) -> None:
    rows = [{"product_key": 1, "source": "quickbooks", "source_key": "1", "name": "x", "category": None}]
    with pytest.raises(WarehouseError, match="dim_product"), pg.begin() as conn:
        insert_rows(conn, dim_product, rows)
    with pg.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dim_product)).scalar() == 0
