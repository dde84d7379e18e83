"""A demo firm for the event tests: customers with reps and churn risks, campaigns, and a clock that sleeps instantly."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from pipeline.events.generator import DayPlayer

REPS = ["Ann Lee", "Bob Stone", "Carla Diaz", "Dev Patel", "Eve Moss"]
DAY_START = dt.datetime(2026, 12, 4, 0, 0, 0)


class FakeClock:
    """A clock that only moves when slept on: a whole day plays in milliseconds."""

    def __init__(self, start: dt.datetime = DAY_START) -> None:
        self.now = start
        self.slept = 0.0

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += dt.timedelta(seconds=seconds)


def customers(count: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "customer_key": key,
            "rep": REPS[key % len(REPS)],
            "segment": rng.choice(["Loyal", "New", "At risk"]),
            "churn_risk": round(rng.random() ** 3, 2),
        }
        for key in range(1, count + 1)
    ]


CAMPAIGNS = [
    {"campaign_id": "1", "name": "Winter sale", "budget": 500.0, "channel": "instagram"},
    {"campaign_id": "2", "name": "Office refit", "budget": 2000.0, "channel": "email"},
]


def day_of_events(count: int = 300, seed: int = 5, start: dt.datetime = DAY_START) -> list[dict[str, Any]]:
    """One whole simulated day, played at real speed on a fake clock (so event times follow the day)."""
    clock = FakeClock(start)
    player = DayPlayer(
        customers(count), REPS, CAMPAIGNS, clock=clock, speed=1, seed=seed, sleep=clock.sleep, start_hour=0
    )
    return list(player.play())
