"""The pipeline spine on the demo data: idempotent, resumable after SIGKILL, nothing lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.conftest import fresh_pg_database
from tests.integration.pipeline.conftest import DATA_TABLES, ROOT, FirstBatch, fixed_clock, snapshot
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.profile import customer_profile
from warehouse.schema import (
    customer_xref,
    identity_event,
    identity_review,
    land_record,
    ops_batch_run,
    stg_customer,
    stg_field_flag,
    stg_reject,
)


def _run(warehouse: Warehouse, sources_toml: Path, force: bool = False) -> str:
    upgrade(warehouse)
    return run_batch(warehouse, load_sources(sources_toml), clock=fixed_clock, force=force).status


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def built(
    request: pytest.FixtureRequest, first_batch: FirstBatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    """A warehouse after one batch of the demo data, on each dialect, shared by the tests that only read it."""
    if request.param == "sqlite":
        warehouse = Warehouse.from_url(f"sqlite:///{tmp_path_factory.mktemp('built') / 'warehouse.db'}")
        yield first_batch.copy_into(warehouse)
        warehouse.engine.dispose()
        return
    with fresh_pg_database(request.getfixturevalue("postgres_url")) as url:
        yield first_batch.copy_into(Warehouse.from_url(url))


def test_a_batch_fills_every_layer(built: Warehouse) -> None:
    warehouse = built
    counts = {name: len(rows) for name, rows in snapshot(warehouse).items()}
    for table in (
        "land_record",
        "stg_customer",
        "stg_sales_line",
        "dim_customer",
        "fact_sales_line",
        "mart_sales",
    ):
        assert counts[table] > 0, table
    with warehouse.engine.connect() as conn:
        revenue_lines = conn.execute(sa.text("SELECT SUM(amount) FROM fact_sales_line")).scalar()
        revenue_mart = conn.execute(
            sa.text("SELECT SUM(revenue) FROM mart_sales WHERE grain = 'day'")
        ).scalar()
        revenue_kpi = conn.execute(sa.text("SELECT SUM(revenue) FROM mart_kpi_daily")).scalar()
    assert round(revenue_mart, 2) == round(revenue_lines, 2) == round(revenue_kpi, 2)
    with warehouse.engine.connect() as conn:
        peaks = dict(conn.execute(sa.text("SELECT step, peak_rss_mb FROM ops_step_run")).all())
    assert {"land", "stage", "match", "core", "score"} <= set(peaks)
    assert all(50 < (peak or 0) < 4096 for peak in peaks.values()), peaks  # each step's peak memory, in MB


def test_running_twice_changes_nothing(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch
) -> None:
    first_batch.copy_into(warehouse)
    every_table = [*DATA_TABLES, "ops_batch_run", "ops_step_run", "ops_lineage_edge", "ops_watermark"]
    before = snapshot(warehouse, every_table)
    assert _run(warehouse, demo_sources) == "unchanged"
    assert snapshot(warehouse, every_table) == before
    # Forced, every step runs again: only the ops tables record the extra batch.
    assert _run(warehouse, demo_sources, force=True) == "succeeded"
    assert snapshot(warehouse) == {t: before[t] for t in DATA_TABLES}


KILLER = """
import os, signal, sys
from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import fixed_clock
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade

url, sources, kill_after = sys.argv[1], sys.argv[2], sys.argv[3]
warehouse = Warehouse.from_url(url)
upgrade(warehouse)

def die(batch, step):
    if step == kill_after:
        os.kill(os.getpid(), signal.SIGKILL)

run_batch(warehouse, load_sources(__import__("pathlib").Path(sources)), clock=fixed_clock, on_step_done=die)
"""


def test_sigkill_between_steps_then_rerun_ends_as_one_clean_run(
    warehouse_url: str, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    clean = first_batch.copy_into(Warehouse.from_url(f"sqlite:///{tmp_path / 'clean.db'}"))
    expected = snapshot(clean)
    clean.engine.dispose()

    warehouse = Warehouse.from_url(warehouse_url)
    for step in ("land", "stage", "match", "core"):
        killed = subprocess.run(
            [sys.executable, "-c", KILLER, warehouse_url, str(demo_sources), step],
            cwd=ROOT,
            capture_output=True,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    with warehouse.engine.connect() as conn:
        statuses = [r.status for r in conn.execute(sa.select(ops_batch_run.c.status))]
    assert statuses == ["running"]  # one batch, resumed three times, never finished yet
    assert _run(warehouse, demo_sources) == "succeeded"
    if not warehouse_url.startswith(
        "sqlite"
    ):  # the outbox is SQLite's change capture; PostgreSQL's is Debezium
        expected.pop("evt_outbox")
        assert snapshot(warehouse)["evt_outbox"] == []
    assert {t: rows for t, rows in snapshot(warehouse).items() if t in expected} == expected
    warehouse.engine.dispose()


def test_malformed_rows_are_rejected_or_flagged_with_reasons_and_the_rest_loads(
    built: Warehouse, demo_sources: Path
) -> None:
    warehouse = built
    truth = demo_sources.parent / "truth" / "malformed.csv"
    planted = [line.split(",") for line in truth.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    with warehouse.engine.connect() as conn:
        rejects = [dict(r._mapping) for r in conn.execute(sa.select(stg_reject))]
        flags = [dict(r._mapping) for r in conn.execute(sa.select(stg_field_flag))]
        landed = conn.execute(sa.select(sa.func.count()).select_from(land_record)).scalar()
        staged = {(r.source, r.source_key) for r in conn.execute(sa.select(stg_customer))}
    sources = {r["source"] for r in rejects} | {f["source"] for f in flags}
    assert {s.name for s in load_sources(demo_sources)} <= sources, (
        "every source has planted rejects or flags"
    )
    for reject in rejects:
        assert reject["rule"] and reject["message"] and reject["record_key"]
    # a bad phone, e-mail or postcode is flagged and its record staged without it; the rest are quarantined
    assert {f["rule"] for f in flags} <= {"phone_format", "email_format", "postcode_format"} and flags
    assert all((f["source"], f["record_key"]) in staged and f["raw_value"] for f in flags)
    assert len(rejects) + len(flags) >= len(planted)
    assert landed and landed > len(rejects)


PROFILE_FIELDS = (
    "name",
    "company_name",
    "contact_name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postcode",
    "website",
)


def test_every_golden_field_names_its_winning_record_and_rule(built: Warehouse) -> None:
    warehouse = built
    with warehouse.engine.connect() as conn:
        keys = (
            conn.execute(sa.text("SELECT customer_key FROM dim_customer ORDER BY source_count DESC"))
            .scalars()
            .all()
        )
    checked = 0
    for key in keys[:25]:
        profile = customer_profile(warehouse, key)
        assert profile is not None
        records = {(r["source"], r["source_key"]): r for r in profile.records}
        for field in PROFILE_FIELDS:
            value = profile.customer[field]
            if value is None:
                continue
            won = profile.provenance[field]
            assert won["rule"] in ("source_priority", "most_recent", "most_frequent", "consensus")
            assert (won["source"], won["source_key"]) in records, (
                "the winner is one of the customer's records"
            )
            assert str(value) == won["value"]
            checked += 1
    assert checked > 100


def test_a_stewards_rejection_splits_the_pair_on_the_next_run(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch
) -> None:
    first_batch.copy_into(warehouse)
    with warehouse.engine.begin() as conn:
        pair = conn.execute(
            sa.text(
                "SELECT MIN(source || '|' || source_key), MAX(source || '|' || source_key), customer_key "
                "FROM customer_xref GROUP BY customer_key HAVING COUNT(*) = 2 ORDER BY customer_key LIMIT 1"
            )
        ).one()
        conn.execute(
            identity_review.insert().values(
                record_l=pair[0],
                record_r=pair[1],
                match_probability=1.0,
                match_key="test",
                status="rejected",
                decided_by="data_steward",
                batch_id=1,
            )  # fmt: skip
        )
    assert _run(warehouse, demo_sources, force=True) == "succeeded"
    with warehouse.engine.connect() as conn:
        keys = {
            f"{r.source}|{r.source_key}": r.customer_key
            for r in conn.execute(sa.select(customer_xref))
            if f"{r.source}|{r.source_key}" in pair[:2]
        }
        events = conn.execute(sa.select(identity_event).where(identity_event.c.kind == "split")).all()
    assert keys[pair[0]] == pair[2], "the older key stays with one record"
    assert keys[pair[1]] != pair[2], "the rejected record now has a customer of its own"
    assert any(e.other_key == pair[2] for e in events)


def test_the_customer_360_page_shows_each_value_with_its_source_and_rule(
    first_batch: FirstBatch, tmp_path: Path
) -> None:
    from app import create_app
    from tests.unit.portal.portal_data import portal_settings

    warehouse = first_batch.copy_into(
        Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    )  # its own: users added
    with warehouse.engine.connect() as conn:
        key, name = conn.execute(
            sa.text("SELECT customer_key, name FROM dim_customer ORDER BY source_count DESC LIMIT 1")
        ).one()
    app = create_app(portal_settings(tmp_path), warehouse)
    from flask_login import login_user

    from auth.views import SessionUser
    from pages.customer import layout  # pages register with the app, so they are imported after it
    from warehouse import users

    users.ensure_roles(warehouse)
    manager = users.load_user(
        warehouse, users.create_user(warehouse, "mia", "a long passphrase", "manager", "Mia")
    )
    with app.server.test_request_context("/"):
        login_user(SessionUser(manager))  # a manager reads every customer
        page = str(layout(customer_key=str(key)))
        missing = str(layout(customer_key="999999"))
    assert name in page and "most trusted source" in page and "Source records" in page
    assert "There is no customer 999999" in missing


def test_a_single_record_matches_between_batches_with_the_batchs_model(built: Warehouse) -> None:
    from pipeline.identity.incremental import match_record
    from pipeline.steps.match import golden_index

    warehouse = built
    with warehouse.engine.connect() as conn:
        index = golden_index(conn)
        s, x = stg_customer, customer_xref  # through the schema: personal data is decrypted
        query = (
            sa.select(s, x.c.customer_key)
            .join(x, (x.c.source == s.c.source) & (x.c.source_key == s.c.source_key))
            .where(s.c.entity == "Customer", s.c.email.is_not(None))
            .order_by(s.c.source_key)
            .limit(1)
        )
        known = conn.execute(query).mappings().one()
    copy = dict(known) | {"source": "api", "source_key": "new-1", "phone": None}
    assert match_record(copy, index).customer_key == known["customer_key"]
    stranger = {"source": "api", "source_key": "new-2", "entity": "Lead", "company_name": "Zyxwvut Quantum Bakery",
                "email": "hello@zyxwvut-quantum.example", "phone": "+441632960999", "city": "Inverness"}  # fmt: skip
    assert match_record(stranger, index).customer_key is None


def test_each_batch_profiles_every_staged_source(built: Warehouse) -> None:
    warehouse = built
    with warehouse.engine.connect() as conn:
        staged = {
            (r.source, table)
            for table in ("stg_customer", "stg_sales_line", "stg_interaction")
            for r in conn.execute(sa.text(f"SELECT DISTINCT source FROM {table}"))
        }
        profiles = conn.execute(sa.text("SELECT * FROM ops_profile WHERE batch_id = 1")).mappings().all()
    assert {(p["source"], p["table_name"]) for p in profiles} >= staged
    assert all(0 <= p["nulls"] <= p["row_count"] for p in profiles)
    email = next(
        p for p in profiles
        if (p["source"], p["table_name"], p["column_name"]) == ("quickbooks", "stg_customer", "email")
    )  # fmt: skip
    shapes = json.loads(email["top_patterns"])
    assert shapes and all("@" in shape for shape, _ in shapes), "e-mails are staged normalised"
