"""The interaction log and its projections on SQLite and PostgreSQL: appended in pieces, with producers sending
again, the projections equal a replay of the whole log row for row; readers tail from their own positions."""

from __future__ import annotations

import decimal
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.events import log, projections
from pipeline.events.schema import InvalidEvent
from tests.unit.events_log.day import day_of_events
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import evt_log, proj_customer_activity, proj_customer_timeline


def table(warehouse: Warehouse, t: sa.Table) -> list[tuple[Any, ...]]:
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
    return [tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in r) for r in rows]


@pytest.fixture()
def day() -> list[dict[str, Any]]:
    return day_of_events(count=150, seed=9)


def test_incremental_projections_equal_a_full_replay(warehouse: Warehouse, day: list[dict[str, Any]]) -> None:
    upgrade(warehouse)
    chunks = [day[0:1], day[1:40], day[40:200], day[30:60], day[200:], day[-5:] + day[-5:]]
    appended = [log.append(warehouse, chunk, "generator") for chunk in chunks]
    assert sum(appended) == len(day)  # each event once, however often it was sent
    assert appended[3] == 0 and appended[5] == 0

    incremental = (table(warehouse, proj_customer_activity), table(warehouse, proj_customer_timeline))
    counts = projections.rebuild(warehouse)
    replayed = (table(warehouse, proj_customer_activity), table(warehouse, proj_customer_timeline))
    assert incremental == replayed

    known = [e for e in day if e.get("customer_key") is not None]
    assert counts == {
        "events": len(day),
        "customers": len({e["customer_key"] for e in known}),
        "timeline": len(known),
    }
    activity = {r[0]: r for r in replayed[0]}
    orders = [e for e in known if e["type"] == "order_placed"]
    assert sum(r[1] for r in activity.values()) == len(orders)
    assert sum(r[2] for r in activity.values()) == pytest.approx(
        sum(e["payload"]["amount"] for e in orders), abs=0.005
    )
    last = max(known, key=lambda e: e["occurred_at"])
    row = dict(zip(proj_customer_activity.columns.keys(), activity[last["customer_key"]], strict=True))
    assert row["last_event_type"] == last["type"]


def test_writers_appending_at_once_each_land_once_and_the_projections_equal_a_replay(
    warehouse: Warehouse, day: list[dict[str, Any]]
) -> None:
    upgrade(warehouse)
    failures: list[BaseException] = []

    def write(events: list[dict[str, Any]]) -> None:
        for event in events:
            try:
                log.append(warehouse, [event], "generator")
            except BaseException as e:  # noqa: BLE001 - collected and asserted below
                failures.append(e)

    writers = [threading.Thread(target=write, args=(day[i::3],)) for i in range(3)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=120)
    assert failures == []
    assert log.last_seq(warehouse) == len(day)
    incremental = (table(warehouse, proj_customer_activity), table(warehouse, proj_customer_timeline))
    projections.rebuild(warehouse)
    assert incremental == (table(warehouse, proj_customer_activity), table(warehouse, proj_customer_timeline))


def test_readers_tail_from_their_own_position(warehouse: Warehouse, day: list[dict[str, Any]]) -> None:
    upgrade(warehouse)
    log.append(warehouse, day[:100], "generator")
    first = log.tail(warehouse, 0, limit=60)
    assert [e["event_id"] for _, e in first] == [e["event_id"] for e in day[:60]]
    position = first[-1][0]
    log.append(warehouse, day[100:], "generator")
    rest = log.tail(warehouse, position, limit=10_000)
    assert [e["event_id"] for _, e in rest] == [e["event_id"] for e in day[60:]]
    seqs = [s for s, _ in first + rest]
    assert seqs == sorted(set(seqs))
    assert log.tail(warehouse, log.last_seq(warehouse)) == []

    key = next(e["customer_key"] for e in day if e.get("customer_key") is not None)
    history = log.events_for(warehouse, key)
    assert history == [e for e in day if e.get("customer_key") == key]


def test_an_invalid_event_is_refused_and_nothing_of_its_batch_is_appended(
    warehouse: Warehouse, day: list[dict[str, Any]]
) -> None:
    upgrade(warehouse)
    bad = dict(day[5], payload={"order_id": "SO-1"}, type="order_placed")
    with pytest.raises(InvalidEvent) as caught:
        log.append(warehouse, [*day[:5], bad], "api")
    assert caught.value.code == "schema"
    assert warehouse.scalar(sa.select(sa.func.count()).select_from(evt_log)) == 0
    with pytest.raises(ValueError, match="unknown producer"):
        log.append(warehouse, day[:1], "someone")
