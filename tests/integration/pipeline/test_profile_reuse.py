"""The profile step reads again only the staged data that changed: a source whose rows are what an earlier
batch profiled keeps that profile, a changed source and every source after an erasure are read again, and
what the quality page shows is the same as profiling everything would give."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.runner import run_batch
from pipeline.steps.profile import profile
from tests.integration.pipeline.conftest import FirstBatch, copy_demo, fixed_clock
from warehouse.engine import Warehouse
from warehouse.privacy.erase import erase_subject
from warehouse.schema import customer_xref, ops_profile, ops_step_run


def _profiles(conn: sa.Connection, batch_id: int) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """(source, table, column) -> the column's profile, for one batch."""
    p = ops_profile.c
    rows = conn.execute(sa.select(ops_profile).where(p.batch_id == batch_id)).mappings()
    return {
        (r["source"], r["table_name"], r["column_name"]): tuple(
            v for k, v in r.items() if k not in ("batch_id", "source", "table_name", "column_name")
        )
        for r in rows
    }


def _everything_read_again(conn: sa.Connection) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """What profiling every staged row now gives (written under a spare batch id, rolled back by the caller)."""
    profile(conn, 10_000, reuse=False)
    return _profiles(conn, 10_000)


def _message(warehouse: Warehouse, batch_id: int) -> str:
    s = ops_step_run.c
    query = sa.select(s.message).where(s.batch_id == batch_id, s.step == "profile")
    return str(warehouse.scalar(query))


def test_only_a_changed_source_is_profiled_again_and_an_erasure_reads_all(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    sources = copy_demo(demo_sources, tmp_path)
    first_batch.copy_into(warehouse)
    with warehouse.engine.connect() as conn:
        first = _profiles(conn, 1)
    assert _message(warehouse, 1).startswith(f"0 of {len(first)} ")

    activities = sources.parent / "sheets" / "activities.csv"  # one more call logged: that source changes
    with activities.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows.append([*rows[1][:-1], "Called about a second delivery address"])
    with activities.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    outcome = run_batch(warehouse, load_sources(sources), clock=fixed_clock)
    assert outcome.status == "succeeded"

    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        second = _profiles(conn, outcome.batch_id)
        assert second == _everything_read_again(conn), "the kept profiles are what reading again gives"
        transaction.rollback()
    # An activity stages an interaction and its account's customer record: those two are read again.
    changed = {
        k for k in second if k[0] == "sales_activities" and k[1] in ("stg_interaction", "stg_customer")
    }
    assert changed and any(second[k] != first[k] for k in changed), "the new call is in its source's profile"
    kept = len(second) - len(changed)
    assert _message(warehouse, outcome.batch_id) == (
        f"{kept} of {len(second)} column profiles copied from the batch that last read the same rows"
    )

    with warehouse.engine.connect() as conn:
        someone = conn.execute(sa.select(sa.func.min(customer_xref.c.customer_key))).scalar_one()
    erase_subject(warehouse, someone, "steward", "asked by letter")
    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        after = profile(conn, 10_001)
        assert after.message is not None and after.message.startswith("0 of "), "an erasure reads everything"
        assert _profiles(conn, 10_001) == _everything_read_again(conn)
        transaction.rollback()
