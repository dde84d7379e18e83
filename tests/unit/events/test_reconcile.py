"""The engine's KPIs equal the KPIs SQL computes over the same events (a random stream of 20,000)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest

from pipeline.events import StreamEngine
from pipeline.events.reconcile import kpis_by_sql
from tests.unit.events.stream_data import campaigns, customers, generate
from tests.unit.events.vectors import VECTORS, engine_for, run

GRACE = {"1m": dt.timedelta(minutes=5), "1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1)}


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def stream_run() -> tuple[Any, StreamEngine, dict[str, dict[str, Any]]]:
    stream = generate(20_000, seed=7)
    engine = StreamEngine(customers(), campaigns())
    finals: dict[str, dict[str, Any]] = {}
    for raw in stream.raw:
        finals.update({r.key: r.as_dict() for r in engine.process(raw).kpis})
    return stream, engine, finals


def test_the_kpi_topic_holds_what_sql_computes_over_the_same_events(stream_run: Any) -> None:
    stream, engine, finals = stream_run
    assert stream.duplicates > 400 and stream.bad > 300
    expected = kpis_by_sql(stream.valid, customers())
    assert len(expected) > 5000
    assert finals == expected
    assert engine.counts["dead_letters"] == stream.bad
    assert engine.counts["duplicates"] + engine.counts["expired"] >= stream.duplicates


def test_the_engine_holds_exactly_the_open_windows_sql_computes(stream_run: Any) -> None:
    stream, engine, _ = stream_run
    expected = kpis_by_sql(stream.valid, customers())
    newest = max(_time(e["occurred_at"]) for e in stream.valid)
    still_open = {k: r for k, r in expected.items() if _time(r["window_end"]) + GRACE[r["window"]] > newest}
    assert {r.key: r.as_dict() for r in engine.kpis()} == still_open
    assert {r["window"] for r in still_open.values()} == {"1m", "1h", "1d"}


def test_late_events_count_only_in_windows_still_open(stream_run: Any) -> None:
    stream, engine, finals = stream_run
    counted = engine.counts["processed"]
    per_window = {
        w: sum(r["events"] for r in finals.values() if r["window"] == w and r["dimension"] == "all")
        for w in GRACE
    }
    assert engine.counts["expired"] > 20  # two days late: counted nowhere
    assert per_window["1d"] == counted
    assert per_window["1m"] < per_window["1h"] < counted  # too late for a minute, or an hour


@pytest.mark.parametrize("path", sorted(VECTORS.glob("*.json")), ids=lambda p: p.stem)
def test_sql_agrees_with_every_vector(path: Any) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    finals, _, dead = run(engine_for(vector), vector["events"])
    bad = {d["index"] for d in dead}
    seen: set[str] = set()
    valid = []
    for index, event in enumerate(vector["events"]):
        if index not in bad and event["event_id"] not in seen:
            seen.add(event["event_id"])
            valid.append(event)
    customers_ = {c["customer_key"]: c for c in vector["customers"]}
    assert kpis_by_sql(valid, customers_) == finals


def test_no_events_give_no_kpis() -> None:
    assert kpis_by_sql([], {}) == {}
    assert StreamEngine({}, {}).kpis() == []


def test_events_from_two_threads_at_once_are_all_counted() -> None:
    # Within 3 minutes and none late: no window closes, so the order the threads interleave in does not matter.
    stream = generate(4_000, seed=3, step_s=0.08, late=False)
    engine = StreamEngine(customers(), campaigns())
    halves = [stream.raw[0::2], stream.raw[1::2]]
    threads = [threading.Thread(target=lambda h=h: [engine.process(raw) for raw in h]) for h in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert {r.key: r.as_dict() for r in engine.kpis()} == kpis_by_sql(stream.valid, customers())
    assert engine.counts["processed"] == len(stream.valid)
