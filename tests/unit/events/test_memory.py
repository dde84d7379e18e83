"""On a long run the engine's memory stays bounded: closed windows, old event ids and old days are forgotten."""

from __future__ import annotations

from pipeline.events import StreamEngine
from tests.unit.events.stream_data import campaigns, customers, generate

# Open at once at most: 1m windows of the last 6 minutes (7), 1h of the last 2 hours (3), 1d of the last 2 days (3).
MAX_WINDOWS = 7 + 3 + 3


def test_three_days_of_events_keep_only_the_open_windows_and_the_last_days_ids() -> None:
    stream = generate(26_000, seed=11, start="2026-12-01T00:00:00", step_s=20)  # ~10 s apart: three days
    engine = StreamEngine(customers(), campaigns())
    biggest = {"windows": 0, "kpi_records": 0, "event_ids": 0, "churn_days": 0}
    for n, raw in enumerate(stream.raw):
        engine.process(raw)
        if n % 500 == 0:
            size = engine.state_size()
            biggest = {k: max(v, size[k]) for k, v in biggest.items()}
    last = max(stream.valid, key=lambda e: e["occurred_at"])["occurred_at"]
    assert last >= "2026-12-04T00:00:00"
    assert biggest["windows"] <= MAX_WINDOWS
    assert biggest["kpi_records"] <= MAX_WINDOWS * (1 + 5 + 5 + 9)  # all, reps, regions, channels
    assert biggest["churn_days"] <= 3
    # Ids are kept while their day is open (two days at most behind the newest event), not for the whole run.
    assert biggest["event_ids"] < 0.8 * engine.counts["processed"]
    assert engine.state_size()["event_ids"] < 3 * 8640 * 1.1
