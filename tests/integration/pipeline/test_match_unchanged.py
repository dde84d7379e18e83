"""The match step has nothing to do when no customer record changed: a batch in which only sales changed leaves
every identity table as it was and says so; a changed customer record or a steward's decision makes it match
again, in full. The records it reads whole columns at a time are the engine's input as read row by row."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.identity.customers import customer_frame
from pipeline.runner import run_batch
from pipeline.steps.match import match
from pipeline.steps.match_tables import engine_frame, staged_records
from tests.integration.pipeline.conftest import FIXED_NOW, FirstBatch, copy_demo, fixed_clock, snapshot
from warehouse.engine import Warehouse
from warehouse.schema import (
    customer_xref,
    identity_review,
    ops_step_run,
    ops_watermark,
    stg_customer,
    stg_sales_line,
)

IDENTITY_TABLES = ["customer_xref", "customer_xref_deleted", "identity_event", "identity_review"]
NOTHING = "no customer record changed since match last ran: nothing matched"


def _batch(warehouse: Warehouse, sources: Path) -> int:
    outcome = run_batch(warehouse, load_sources(sources), clock=fixed_clock)
    assert outcome.status == "succeeded" and outcome.batch_id is not None
    return outcome.batch_id


def _match_step(warehouse: Warehouse, batch_id: int) -> tuple[str, int]:
    s = ops_step_run.c
    row = warehouse.rows(sa.select(s.message, s.rows_in).where(s.batch_id == batch_id, s.step == "match"))[0]
    return str(row["message"]), int(row["rows_in"])


def _identity(warehouse: Warehouse) -> dict[str, Any]:
    """Every identity table's rows and match's watermarks (with the batch that set them)."""
    state: dict[str, Any] = snapshot(warehouse, IDENTITY_TABLES)
    w = ops_watermark.c
    marks = sa.select(w.name, w.value, w.batch_id).where(w.name.like("identity:%") | w.name.like("match:%"))
    state["watermarks"] = sorted(tuple(r.values()) for r in warehouse.rows(marks))
    return state


def _edit(page: Path, entity: str, change: Any) -> None:
    """Change the first record of a QuickBooks export page, as its source would (new sync token and time)."""
    body = json.loads(page.read_text(encoding="utf-8"))
    record = body["QueryResponse"][entity][0]
    change(record)
    record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
    record["MetaData"]["LastUpdatedTime"] = "2026-11-27T12:00:00+00:00"
    page.write_text(json.dumps(body), encoding="utf-8")


def _newest(warehouse: Warehouse, table: sa.Table) -> int:
    return int(warehouse.scalar(sa.select(sa.func.max(table.c.batch_id))))


def _keys(warehouse: Warehouse) -> dict[str, int]:
    x = customer_xref.c
    rows = warehouse.rows(sa.select(x.source, x.source_key, x.customer_key))
    return {f"{r['source']}|{r['source_key']}": int(r["customer_key"]) for r in rows}


def test_a_batch_where_only_sales_changed_matches_nothing_and_says_so(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    sources = copy_demo(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    first = 1
    before = _identity(warehouse)
    assert _match_step(warehouse, first)[0].endswith("removed 0")  # the first batch matched everything
    with warehouse.engine.connect() as conn:  # the engine's input, read whole columns at a time, is the same
        query = sa.select(stg_customer).order_by(stg_customer.c.source, stg_customer.c.source_key)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        pd.testing.assert_frame_equal(engine_frame(staged_records(conn)), customer_frame(rows))

    def reworded(invoice: dict[str, Any]) -> None:
        invoice["Line"][0]["Description"] += " (repacked)"

    _edit(sources.parent / "quickbooks" / "Invoice" / "page-00001.json", "Invoice", reworded)
    second = _batch(warehouse, sources)
    assert _newest(warehouse, stg_sales_line) == second, "the changed invoice was staged again"
    assert _newest(warehouse, stg_customer) == first, "no customer record was"
    assert _match_step(warehouse, second) == (NOTHING, 0)
    assert _identity(warehouse) == before

    with warehouse.engine.connect() as conn, conn.begin() as transaction:  # what matching anyway would write
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name.like("match:%")))
        assert match(conn, second).rows_out == 0, "matching in full would have changed no key either"
        transaction.rollback()


def test_a_changed_customer_record_or_a_stewards_decision_matches_again(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    sources = copy_demo(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    staged = int(warehouse.scalar(sa.select(sa.func.count()).select_from(stg_customer)))

    def new_phone(customer: dict[str, Any]) -> None:
        customer["PrimaryPhone"] = {"FreeFormNumber": "020 7946 0999"}

    _edit(sources.parent / "quickbooks" / "Customer" / "page-00001.json", "Customer", new_phone)
    second = _batch(warehouse, sources)
    message, read = _match_step(warehouse, second)
    assert message != NOTHING and read == staged, "every staged record was matched again"

    x = customer_xref.c
    record = x.source + "|" + x.source_key
    pair = (
        sa.select(sa.func.min(record), sa.func.max(record))
        .group_by(x.customer_key)
        .having(sa.func.count() == 2)
        .order_by(x.customer_key)
        .limit(1)
    )
    with warehouse.begin() as conn:  # a steward says the two records of a customer are two customers
        left, right = conn.execute(pair).one()
        conn.execute(
            identity_review.insert().values(
                record_l=left,
                record_r=right,
                match_probability=1.0,
                match_key="rule:email",
                status="rejected",
                decided_by="data_steward",
                decided_at=FIXED_NOW + dt.timedelta(hours=1),
                batch_id=second,
            )  # fmt: skip
        )
    third = _batch(warehouse, sources)  # the same files: the decision alone makes the batch
    message, read = _match_step(warehouse, third)
    assert message != NOTHING and read == staged
    keys = _keys(warehouse)
    assert keys[left] != keys[right], "the rejected pair is two customers now"

    forced = run_batch(warehouse, load_sources(sources), clock=fixed_clock, force=True)
    assert forced.batch_id is not None and _match_step(warehouse, forced.batch_id) == (NOTHING, 0)
    assert _keys(warehouse) == keys
