"""The demo day: every event keeps the contract, and a day looks like the firm's day to a sales manager."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from pipeline.events.generator import HIGH_VALUE, DayPlayer
from pipeline.events.schema import validate
from tests.unit.events_log.day import CAMPAIGNS, DAY_START, REPS, FakeClock, customers, day_of_events


@pytest.fixture(scope="module")
def day() -> list[dict]:
    return day_of_events(count=1000, seed=11)


def hour(event: dict) -> int:
    return int(event["occurred_at"][11:13])


def test_every_event_of_a_day_validates_and_has_its_own_id(day: list[dict]) -> None:
    for event in day:
        validate(event)
    assert len({e["event_id"] for e in day}) == len(day)
    assert len(day) > 500


def test_events_are_stamped_with_the_clock_in_order_through_one_day(day: list[dict]) -> None:
    times = [e["occurred_at"] for e in day]
    assert times == sorted(times)
    assert times[0].startswith("2026-12-04T") and times[-1].startswith("2026-12-04T")


def test_orders_per_rep_look_like_a_working_day(day: list[dict]) -> None:
    rep_of = {c["customer_key"]: c["rep"] for c in customers(1000)}
    orders = collections.Counter(rep_of[e["customer_key"]] for e in day if e["type"] == "order_placed")
    assert set(orders) == set(REPS)
    assert all(2 <= n <= 20 for n in orders.values()), orders
    amounts = [e["payload"]["amount"] for e in day if e["type"] == "order_placed"]
    assert sum(a >= HIGH_VALUE for a in amounts) >= 1  # the occasional big order that alerts a rep
    ordinary = sorted(a for a in amounts if a < HIGH_VALUE)
    assert 40 <= ordinary[len(ordinary) // 2] <= 600  # median order sized like a sales document


def test_activity_peaks_in_office_hours(day: list[dict]) -> None:
    per_hour = collections.Counter(hour(e) for e in day)
    office = sum(per_hour[h] for h in range(9, 17)) / 8
    night = sum(per_hour[h] for h in range(0, 6)) / 6
    assert office > 4 * night
    support = [hour(e) for e in day if e["type"] == "support_contact"]
    assert support and all(9 <= h < 17 for h in support)


def test_leads_move_through_the_stages_after_they_are_created(day: list[dict]) -> None:
    created = {}
    for e in day:
        p = e["payload"]
        if e["type"] == "lead_created":
            created[p["lead_id"]] = e["occurred_at"]
        elif e["type"] == "lead_moved":
            assert p["lead_id"] in created and created[p["lead_id"]] <= e["occurred_at"]
    assert any(e["type"] == "lead_moved" for e in day)


def test_mentions_include_negative_ones_and_a_churn_risk_customer_returns(day: list[dict]) -> None:
    sentiments = [e["payload"]["sentiment"] for e in day if e["type"] == "social_mention"]
    assert min(sentiments) <= -0.5 < max(sentiments)
    risky = {c["customer_key"] for c in customers(1000) if c["churn_risk"] >= 0.7}
    assert any(e["customer_key"] in risky for e in day)


def test_playing_for_a_duration_stops_on_time_and_sleeps_only_on_the_clock() -> None:
    clock = FakeClock(DAY_START.replace(hour=8))
    player = DayPlayer(customers(500), REPS, CAMPAIGNS, clock=clock, speed=60, seed=2, sleep=clock.sleep)
    events = list(player.play(duration=120))
    assert events
    assert clock.slept <= 120  # two real minutes at 60x: two simulated hours, 08:00 to 10:00
    assert clock.now - DAY_START.replace(hour=8) <= dt.timedelta(seconds=120)
    assert len(events) < len(day_of_events(500, seed=2)) / 3


def test_the_same_seed_plans_the_same_day() -> None:
    def plan(seed: int) -> list:
        return DayPlayer(customers(200), REPS, CAMPAIGNS, seed=seed).plan_day()

    assert plan(4) == plan(4)
    assert plan(4) != plan(5)
