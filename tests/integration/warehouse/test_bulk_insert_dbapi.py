"""Bulk inserts on SQLite go through one DB-API executemany and store, byte for byte, what SQLAlchemy's INSERT stored."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.warehouse.test_bulk_insert import _rows
from warehouse.crypto import Keyring
from warehouse.engine import Warehouse, WarehouseError, insert_rows
from warehouse.schema import dim_product, golden_field, ops_batch_run, ops_step_run

BATCH = {"batch_id": 1, "started_at": dt.datetime(2026, 1, 2), "status": "running", "trigger": "cli",
         "input_fingerprint": "f"}  # fmt: skip


def _fresh(path: Path) -> Warehouse:
    wh = Warehouse.from_url(f"sqlite:///{path}")
    wh.create_all()
    with wh.begin() as conn:
        conn.execute(ops_batch_run.insert(), BATCH)
    return wh


def _raw(path: Path, table: sa.Table) -> list[tuple[Any, ...]]:
    """The table as SQLite holds it (encrypted text, dates as text), read without SQLAlchemy."""
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM {table.name} ORDER BY 1, 2, 3").fetchall()


def test_executemany_stores_what_insert_stored(tmp_path: Path) -> None:
    reference, bulk = _fresh(tmp_path / "reference.db"), _fresh(tmp_path / "bulk.db")
    rows = _rows()
    with reference.begin() as conn:
        for table, values in rows.items():
            conn.execute(table.insert(), values)  # SQLAlchemy's own executemany: the reference
    with bulk.begin() as conn:
        for table, values in rows.items():
            assert insert_rows(conn, table, iter(values)) == len(values)
    for table in rows:
        stored = _raw(tmp_path / "bulk.db", table)
        assert stored == _raw(tmp_path / "reference.db", table), table.name
        assert len(stored) == len(rows[table])
    with bulk.begin() as conn:  # and it reads back as it was written: decrypted payloads, typed dates
        land = conn.execute(sa.text("SELECT count(*) FROM land_record")).scalar()
        steps = conn.execute(sa.select(ops_step_run.c.rows_in, ops_step_run.c.rows_out)).all()
    assert land == 7000
    assert steps == [(0, 0), (0, 0)]  # defaults filled for columns no row names
    for wh in (reference, bulk):
        wh.engine.dispose()


def test_a_bad_row_fails_the_chunk_with_the_table_named(tmp_path: Path) -> None:
    wh = _fresh(tmp_path / "w.db")
    rows = [{"product_key": 1, "source": "quickbooks", "source_key": "1", "name": None, "category": None}]
    with pytest.raises(WarehouseError, match="dim_product"), wh.begin() as conn:
        insert_rows(conn, dim_product, rows)
    with wh.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dim_product)).scalar() == 0
    wh.engine.dispose()


def test_a_value_repeated_in_a_chunk_is_encrypted_once_and_stored_as_insert_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, bulk = _fresh(tmp_path / "reference.db"), _fresh(tmp_path / "bulk.db")
    fields = ("name", "company_name", "contact_name", "email")
    rows = [
        {"customer_key": key, "field": field, "value": f"Hedgerow Café {key % 40}" if field != "email" else None,
         "source": "quickbooks", "source_key": str(key), "rule": "source_priority", "candidates": 1}
        for key in range(1, 301)
        for field in fields
    ]  # fmt: skip
    with reference.begin() as conn:
        conn.execute(golden_field.insert(), rows)
    encrypted: list[str] = []
    encrypt = Keyring.encrypt
    monkeypatch.setattr(Keyring, "encrypt", lambda self, text: encrypted.append(text) or encrypt(self, text))
    with bulk.begin() as conn:
        assert insert_rows(conn, golden_field, iter(rows)) == len(rows)
    assert sorted(encrypted) == sorted({r["value"] for r in rows if r["value"]}), "each distinct value once"
    assert _raw(tmp_path / "bulk.db", golden_field) == _raw(tmp_path / "reference.db", golden_field)
    with bulk.begin() as conn:
        read = conn.execute(
            sa.select(golden_field.c.value).where(golden_field.c.customer_key == 41)
        ).scalars()
        assert set(read) == {"Hedgerow Café 1", None}
    with bulk.begin() as conn:  # equal as Python values, different as text: never one token for both
        insert_rows(
            conn,
            golden_field,
            [rows[0] | {"customer_key": 1000 + i, "value": v} for i, v in enumerate((1, True, "1"))],
        )
        read = conn.execute(
            sa.select(golden_field.c.value).where(golden_field.c.customer_key >= 1000)
        ).scalars()
        assert sorted(read) == ["1", "1", "True"]
    for wh in (reference, bulk):
        wh.engine.dispose()
