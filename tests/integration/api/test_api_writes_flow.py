"""Leads and interactions written through the API reach the warehouse: the next batch stages, matches and
builds them like a sheet's rows (leads list, lead funnel mart, the customer's timeline), once, and keeps an
invalid one in quarantine with its reason."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from api.v1.landing import SOURCE, land
from pipeline import api_writes
from pipeline.config import load_sources
from pipeline.ops import start_batch
from pipeline.records import RawRecord, SourceConfig
from pipeline.recovery import status_report
from pipeline.runner import run_batch
from pipeline.steps import stage
from tests.integration.pipeline.conftest import FIXED_NOW, FirstBatch, fixed_clock, generate_demo
from tests.unit.api.api_helpers import Clock, api_app, bearer, sign_in
from tests.unit.portal.portal_data import PASSWORD
from warehouse import users
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import (
    app_user,
    customer_xref,
    dim_customer,
    dim_sales_rep,
    fact_interaction,
    identity_review,
    land_record,
    mart_lead_funnel,
    stg_customer,
    stg_reject,
)
from warehouse.timeline import customer_timeline


@pytest.fixture(scope="module")
def demo_toml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 40)


@pytest.fixture(scope="module")
def demo(demo_toml: Path) -> list[SourceConfig]:
    return load_sources(demo_toml)


@pytest.fixture(scope="module")
def first(demo_toml: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstBatch]:
    batch = FirstBatch(demo_toml, tmp_path_factory.mktemp("api-first-batch"))
    yield batch
    batch.drop()


@pytest.fixture
def built(warehouse: Warehouse, first: FirstBatch, tmp_path: Path) -> Iterator[FlaskClient]:
    """The demo's first batch on the warehouse (a copy of it), a manager, and the API on it."""
    first.copy_into(warehouse)
    users.ensure_demo_users(warehouse, PASSWORD)  # one user per role, named after it
    app = api_app(
        warehouse, tmp_path, Clock(FIXED_NOW + dt.timedelta(hours=1)), portal_today=FIXED_NOW.date()
    )
    with app.server.test_client() as client:
        yield client


def _funnel(warehouse: Warehouse, rep: str) -> dict[str, int]:
    m = mart_lead_funnel.c
    return {r["stage"]: r["leads"] for r in warehouse.rows(sa.select(m.stage, m.leads).where(m.rep == rep))}


def test_records_written_through_the_api_reach_the_leads_marts_and_timeline_once(
    built: FlaskClient, warehouse: Warehouse, demo: list[SourceConfig]
) -> None:
    client = built
    manager = bearer(sign_in(client, "manager"))
    target = warehouse.rows(
        sa.select(dim_customer.c.customer_key, dim_customer.c.name, dim_customer.c.rep_key)
        .where(dim_customer.c.rep_key.is_not(None), dim_customer.c.email.is_not(None))
        .order_by(dim_customer.c.customer_key)
        .limit(1)
    )[0]
    key = int(target["customer_key"])
    owner = str(
        warehouse.scalar(sa.select(dim_sales_rep.c.name).where(dim_sales_rep.c.rep_key == target["rep_key"]))
    )
    funnel_before = _funnel(warehouse, owner)

    lead = client.post(
        "/api/v1/leads",
        json={
            "company": target["name"],
            "customer_key": key,
            "owner": owner,
            "status": "proposal",
            "value": 900,
        },
        headers=manager,
    )
    assert lead.status_code == 201, lead.json
    call = client.post(
        "/api/v1/interactions",
        json={
            "type": "Phone call",
            "date": "2026-11-27T10:30:00",
            "customer_key": key,
            "notes": "Wants a quote",
        },
        headers=manager,
    )
    assert call.status_code == 201, call.json
    bad = client.post(
        "/api/v1/interactions", json={"type": "fax", "date": "2026-11-27T11:00:00"}, headers=manager
    )
    assert bad.status_code == 422 and "type" in bad.json["error"]["details"]["json"]
    quarantined = bad.json["error"]["details"]["quarantined"]["source_key"]
    leads_before = client.get("/api/v1/leads?limit=500", headers=manager).json
    assert lead.json["source_key"] not in {row["source_key"] for row in leads_before}  # not staged yet

    second = run_batch(warehouse, demo, clock=lambda: FIXED_NOW + dt.timedelta(hours=2))
    assert second.status == "succeeded"  # the files are unchanged: the API's records are the news

    leads = client.get("/api/v1/leads?limit=500", headers=manager).json
    ours = [row for row in leads if row["source"] == "api"]
    assert [(r["source_key"], r["customer_key"], r["status"], r["value"]) for r in ours] == [
        (lead.json["source_key"], key, "proposal", 900.0)
    ]
    assert _funnel(warehouse, owner).get("proposal", 0) == funnel_before.get("proposal", 0) + 1
    timeline = customer_timeline(warehouse, key, kinds=["call"])
    assert timeline is not None
    calls = [item for item in timeline.items if item.ref == f"api:{call.json['source_key']}"]
    assert [(c.occurred_at, c.text) for c in calls] == [(dt.datetime(2026, 11, 27, 10, 30), "Wants a quote")]
    reject = warehouse.rows(sa.select(stg_reject).where(stg_reject.c.source == "api"))
    assert [(r["record_key"], r["rule"], r["field"]) for r in reject] == [(quarantined, "enum", "Type")]
    assert "'fax' is not one of" in reject[0]["message"]

    assert run_batch(warehouse, demo, clock=lambda: FIXED_NOW + dt.timedelta(hours=3)).status == "unchanged"
    changed = client.patch(
        f"/api/v1/leads/{lead.json['source_key']}", json={"status": "won"}, headers=manager
    )
    assert changed.status_code == 200 and changed.json["changed"] is True
    assert run_batch(warehouse, demo, clock=lambda: FIXED_NOW + dt.timedelta(hours=4)).status == "succeeded"

    leads = client.get("/api/v1/leads?limit=500", headers=manager).json
    assert [(r["customer_key"], r["status"]) for r in leads if r["source"] == "api"] == [(key, "won")]
    funnel = _funnel(warehouse, owner)
    assert funnel.get("proposal", 0) == funnel_before.get("proposal", 0)
    assert funnel.get("won", 0) == funnel_before.get("won", 0) + 1
    staged = warehouse.scalar(
        sa.select(sa.func.count()).select_from(stg_customer).where(stg_customer.c.source == "api")
    )
    assert staged == 2  # the lead and the account its call was logged against, each once
    interactions = warehouse.scalar(
        sa.select(sa.func.count())
        .select_from(fact_interaction)
        .where(
            fact_interaction.c.customer_key == key,
            fact_interaction.c.occurred_at == dt.datetime(2026, 11, 27, 10, 30),
        )
    )
    assert interactions == 1


def test_a_reps_write_resembling_another_reps_customer_changes_nothing_of_it(
    built: FlaskClient, warehouse: Warehouse, demo: list[SourceConfig]
) -> None:
    """The batch matches such a write to that customer but holds it apart for a steward: the customer keeps its
    owner, fields and timeline, and the rep finds their record as they would one for a new company."""
    client = built
    rep_user = warehouse.rows(sa.select(app_user.c.rep_key).where(app_user.c.username == "sales_rep"))[0]
    c = dim_customer.c
    other = warehouse.rows(
        sa.select(c.customer_key, c.name, c.email, c.phone, c.city, c.rep_key)
        .where(c.rep_key.is_not(None), c.rep_key != rep_user["rep_key"], c.email.is_not(None))
        .order_by(c.customer_key)
        .limit(1)
    )[0]
    rep = bearer(sign_in(client, "sales_rep"))
    for _ in range(2):  # two records outvote one, were they allowed to vote
        lead = client.post(
            "/api/v1/leads", json={"company": other["name"], "email": other["email"]}, headers=rep
        )
        assert lead.status_code == 201
    call = client.post(
        "/api/v1/interactions",
        json={
            "type": "Phone call",
            "date": "2026-11-27T10:30:00",
            "account": other["name"],
            "email": other["email"],
        },
        headers=rep,
    )
    assert call.status_code == 201
    assert run_batch(warehouse, demo, clock=lambda: FIXED_NOW + dt.timedelta(hours=2)).status == "succeeded"

    after = warehouse.rows(
        sa.select(c.customer_key, c.name, c.email, c.phone, c.city, c.rep_key).where(
            c.customer_key == other["customer_key"]
        )
    )
    assert after == [other]  # not reassigned, not renamed
    x = customer_xref.c
    ours = warehouse.rows(sa.select(x.source_key, x.customer_key).where(x.source == "api"))
    assert len(ours) == 3 and other["customer_key"] not in {r["customer_key"] for r in ours}
    timeline = customer_timeline(warehouse, int(other["customer_key"]), kinds=["call"])
    assert timeline is not None and not [i for i in timeline.items if i.ref.startswith("api:")]
    mine = [r for r in client.get("/api/v1/leads?limit=500", headers=rep).json if r["source"] == "api"]
    assert len(mine) == 2 and all(r["customer_key"] is not None for r in mine)  # as for a new company
    review = warehouse.rows(
        sa.select(identity_review.c.record_l, identity_review.c.record_r).where(
            identity_review.c.match_key == "scope: another owner", identity_review.c.status == "pending"
        )
    )
    assert {r for row in review for r in (row["record_l"], row["record_r"]) if r.startswith("api|")} == {
        f"api|{r['source_key']}" for r in ours
    }  # each waits for a steward to attach it


@pytest.mark.postgres
def test_a_batch_waits_for_a_landing_in_flight_so_none_is_skipped(pg_database: str) -> None:
    """PostgreSQL hands out ids before commit: a landing that commits after a later one is still staged."""
    warehouse = Warehouse.from_url(pg_database)
    try:
        upgrade(warehouse)
        now = FIXED_NOW
        early = RawRecord(SOURCE, "Lead", "lead-early", {"Company": "Slow Commit Ltd", "Status": "new"})
        late = RawRecord(SOURCE, "Lead", "lead-late", {"Company": "Quick Commit Ltd", "Status": "new"})
        api_writes.ensure_lock(warehouse.engine)
        with warehouse.engine.connect() as slow:
            transaction = slow.begin()  # a landing in flight: lock held shared, id taken, not committed
            api_writes.hold_for_write(slow)
            batch = start_batch(slow, now, api_writes.TRIGGER, "early")
            slow.execute(
                land_record.insert().values(
                    source=SOURCE, entity="Lead", source_key="lead-early", content_hash=early.content_hash(),
                    payload=json.dumps(early.payload), received_at=now, batch_id=batch,
                )
            )  # fmt: skip
            assert land(warehouse, late, now).changed  # a later landing commits first, with a higher id
            bounds: list[int] = []
            with warehouse.engine.connect() as stage_conn:
                waiter = threading.Thread(target=lambda: bounds.append(api_writes.settled(stage_conn)))
                waiter.start()
                waiter.join(timeout=1.0)
                assert waiter.is_alive() and bounds == []  # the stage step waits for the landing in flight
                transaction.commit()
                waiter.join(timeout=30)
        landed = {r["source_key"]: r["land_id"] for r in warehouse.rows(sa.select(land_record))}
        assert landed["lead-early"] < landed["lead-late"] and bounds == [landed["lead-late"]]
        with warehouse.begin() as conn:
            start = start_batch(conn, now, "cli", "stage")
            stage(conn, api_writes.with_api_source([]), start)  # no configured source: the API's alone
        staged = warehouse.rows(sa.select(stg_customer.c.source_key).where(stg_customer.c.source == SOURCE))
        assert sorted(r["source_key"] for r in staged) == ["lead-early", "lead-late"]
    finally:
        warehouse.engine.dispose()


class _Stop(Exception):
    """Stops a batch between two steps, as a crash would."""


def _stop_after_stage(_batch: int, step: str) -> None:
    if step == "stage":
        raise _Stop(step)


def test_a_write_through_the_api_does_not_hide_a_stopped_batch(
    warehouse: Warehouse, demo: list[SourceConfig], tmp_path: Path
) -> None:
    upgrade(warehouse)
    with pytest.raises(_Stop):
        run_batch(warehouse, demo, clock=fixed_clock, on_step_done=_stop_after_stage)
    users.ensure_demo_users(warehouse, PASSWORD)
    with api_app(warehouse, tmp_path, Clock(FIXED_NOW)).server.test_client() as client:
        manager = bearer(sign_in(client, "manager"))
        lead = client.post(
            "/api/v1/leads", json={"company": "Late Arrival Ltd", "status": "new"}, headers=manager
        )
        assert lead.status_code == 201
        assert lead.json["batch_id"] == 2  # the write's own landing batch, after the stopped one

        assert status_report(warehouse).startswith("batch 1: running")  # not the write's batch
        resumed = run_batch(warehouse, demo, clock=fixed_clock)
        assert (resumed.batch_id, resumed.steps_run[0]) == (1, "profile")  # resumed where it stopped
        after = run_batch(warehouse, demo, clock=fixed_clock)  # the lead landed after batch 1 staged
        assert (after.batch_id, after.status) == (3, "succeeded")
        leads = client.get("/api/v1/leads?limit=500", headers=manager).json
        assert [(r["source_key"], r["company"]) for r in leads if r["source"] == "api"] == [
            (lead.json["source_key"], "Late Arrival Ltd")
        ]
    assert run_batch(warehouse, demo, clock=fixed_clock).status == "unchanged"
