"""A real batch on demo-shaped data leaves its news in the event log: each sales document an order, each payment,
each new golden customer; a rerun adds nothing, and a changed customer or a new document adds exactly that."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.changes import record_changes
from pipeline.config import load_sources
from pipeline.events import batch_events, log
from pipeline.events.batch_events import record_batch_events
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import (
    FIXED_NOW,
    FirstBatch,
    change_a_phone,
    copy_demo,
    fixed_clock,
    generate_demo,
)
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import (
    dim_channel,
    dim_customer,
    evt_log,
    evt_profile_state,
    fact_payment,
    fact_sales_line,
    ops_watermark,
    proj_customer_activity,
    proj_customer_timeline,
)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("events-demo"), 40)


@pytest.fixture(scope="module")
def first(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstBatch]:
    """The small demo's first batch, run once per test process and dialect and copied into a test's warehouse."""
    batch = FirstBatch(small_demo, tmp_path_factory.mktemp("events-first-batch"))
    yield batch
    batch.drop()


def events_by_type(warehouse: Warehouse) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = collections.defaultdict(list)
    for _, event in log.tail(warehouse, 0, limit=1_000_000):
        grouped[event["type"]].append(event)
    return grouped


def test_a_batch_records_its_orders_payments_and_customers(warehouse: Warehouse, small_demo: Path) -> None:
    upgrade(warehouse)
    outcome = run_batch(warehouse, load_sources(small_demo), clock=fixed_clock)
    assert outcome.status == "succeeded" and "events" not in outcome.warnings
    events = events_by_type(warehouse)

    f = fact_sales_line
    docs = sa.select(
        f.c.doc_type,
        f.c.doc_key,
        sa.func.sum(f.c.amount).label("amount"),
        sa.func.max(f.c.channel_key).label("ch"),
    )
    with warehouse.engine.connect() as conn:
        documents = {
            f"{r.doc_type}-{r.doc_key}": r
            for r in conn.execute(docs.group_by(f.c.source, f.c.doc_type, f.c.doc_key))
        }
        channels = dict(conn.execute(sa.select(dim_channel.c.channel_key, dim_channel.c.name)).all())
        payments = conn.execute(
            sa.select(sa.func.count()).select_from(fact_payment).where(fact_payment.c.amount >= 0)
        ).scalar()
        customers = conn.execute(
            sa.select(sa.func.count()).select_from(dim_customer).where(dim_customer.c.customer_key != 0)
        ).scalar()
        counted = conn.execute(sa.select(sa.func.sum(proj_customer_activity.c.orders))).scalar()

    orders = {e["payload"]["order_id"]: e for e in events["order_placed"]}
    sales = {k: r for k, r in documents.items() if float(r.amount) >= 0}
    assert set(orders) == set(sales) and len(orders) > 20
    for key, doc in sales.items():
        assert orders[key]["payload"]["amount"] == pytest.approx(float(doc.amount), abs=0.005)
        assert orders[key]["channel"] == channels.get(doc.ch)
        assert orders[key]["payload"]["currency"] == "GBP"
    assert len(events["payment_received"]) == payments > 0
    assert len(events["profile_change"]) == customers > 0
    assert all("name" in e["payload"]["fields"] for e in events["profile_change"])
    assert counted == sum(1 for e in orders.values() if e["customer_key"] is not None)

    before = log.last_seq(warehouse)
    assert run_batch(warehouse, load_sources(small_demo), clock=fixed_clock, force=True).status == "succeeded"
    assert log.last_seq(warehouse) == before  # nothing new happened, so nothing new is told


def test_a_changed_customer_and_a_new_document_become_exactly_two_events(
    warehouse: Warehouse, first: FirstBatch
) -> None:
    first.copy_into(warehouse)
    before = log.last_seq(warehouse)
    with warehouse.begin() as conn:
        line = dict(conn.execute(sa.select(fact_sales_line).limit(1)).one()._mapping)
        conn.execute(fact_sales_line.insert(), line | {"doc_key": "NEW-1", "amount": 5400.0, "line_no": 1})
        key = conn.execute(sa.select(sa.func.max(dim_customer.c.customer_key))).scalar()
        conn.execute(
            dim_customer.update().where(dim_customer.c.customer_key == key).values(email="new@example.com")
        )
        record_changes(conn, 99, [line["customer_key"], key], [line["date_key"]])  # as the core step would

    assert record_batch_events(warehouse, 99, FIXED_NOW) == {
        "order_placed": 1,
        "payment_received": 0,
        "profile_change": 1,
    }
    new = [e for _, e in log.tail(warehouse, before)]
    order = next(e for e in new if e["type"] == "order_placed")
    change = next(e for e in new if e["type"] == "profile_change")
    assert order["payload"]["amount"] == 5400.0 and order["customer_key"] == (line["customer_key"] or None)
    assert change["customer_key"] == key and change["payload"]["fields"] == ["email"]
    assert record_batch_events(warehouse, 100, FIXED_NOW) == dict.fromkeys(
        ("order_placed", "payment_received", "profile_change"), 0
    )
    assert warehouse.scalar(
        sa.select(sa.func.count()).select_from(evt_log).where(evt_log.c.producer == "batch")
    ) == log.last_seq(warehouse)


def test_a_batch_that_reads_only_what_changed_misses_no_event(
    warehouse: Warehouse, small_demo: Path, first: FirstBatch, tmp_path: Path
) -> None:
    """After a second batch in which one customer changed their phone, recording every customer's events
    again (as after a full rebuild) finds nothing the batch left out."""
    sources = copy_demo(small_demo, tmp_path)
    first.copy_into(warehouse)
    change_a_phone(sources)
    before = log.last_seq(warehouse)

    assert run_batch(warehouse, load_sources(sources), clock=fixed_clock).status == "succeeded"
    changes = [e for _, e in log.tail(warehouse, before) if e["type"] == "profile_change"]
    assert [e["payload"]["fields"] for e in changes] == [["phone"]]
    with warehouse.begin() as conn:
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "changes:events"))
    assert record_batch_events(warehouse, 99, FIXED_NOW) == dict.fromkeys(
        ("order_placed", "payment_received", "profile_change"), 0
    )


def _recorded_events(warehouse: Warehouse) -> dict[str, Any]:
    """The log and its projections as a customer sees them: positions left out, each customer's own order kept."""
    with warehouse.engine.connect() as conn:
        logged = {
            r.event_id: (r.type, r.customer_key, r.source_key, r.channel, str(r.occurred_at), r.body)
            for r in conn.execute(sa.select(evt_log))
        }
        digests = set(conn.execute(sa.select(evt_profile_state)).all())
        activity = {
            tuple(v for k, v in r._mapping.items() if k != "last_seq")
            for r in conn.execute(sa.select(proj_customer_activity))
        }
        timeline: dict[int, list[tuple[Any, ...]]] = collections.defaultdict(list)
        t = proj_customer_timeline
        for r in conn.execute(sa.select(t).order_by(t.c.customer_key, t.c.seq)):
            timeline[r.customer_key].append((str(r.occurred_at), r.type, r.channel, r.summary))
    return {"log": logged, "digests": digests, "activity": activity, "timeline": dict(timeline)}


def test_events_recorded_a_few_customers_at_a_time_are_those_recorded_all_at_once(
    warehouse: Warehouse, first: FirstBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    first.copy_into(warehouse)  # its events recorded all at once (40 customers: one slice)
    at_once = _recorded_events(warehouse)
    assert len(at_once["log"]) > 100 and len(at_once["timeline"]) > 20
    with warehouse.begin() as conn:
        for table in (evt_log, evt_profile_state, proj_customer_activity, proj_customer_timeline):
            conn.execute(table.delete())
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name == "changes:events"))
    monkeypatch.setattr(batch_events, "CUSTOMERS_AT_ONCE", 7)  # about seven slices of keys
    counts = record_batch_events(warehouse, 1, FIXED_NOW)
    assert sum(counts.values()) == len(at_once["log"])
    assert _recorded_events(warehouse) == at_once
