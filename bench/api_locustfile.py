"""Locust users for bench/api_load.py: search and profile calls with the token and keys it hands over.

Environment: ``C360_BENCH_TOKEN`` (an access token), ``C360_BENCH_KEYS`` (a file of customer keys, one a line),
``C360_BENCH_TERMS`` (a file of search terms, one a line), ``C360_BENCH_THINK`` (each client's pause between
calls, ``MIN-MAX`` seconds; default ``0.05-0.15``).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from locust import HttpUser, between, tag, task

KEYS = [int(k) for k in Path(os.environ["C360_BENCH_KEYS"]).read_text(encoding="utf-8").split()]
TERMS = [t for t in Path(os.environ["C360_BENCH_TERMS"]).read_text(encoding="utf-8").splitlines() if t]
HEADERS = {"Authorization": f"Bearer {os.environ['C360_BENCH_TOKEN']}"}
THINK = tuple(float(s) for s in os.environ.get("C360_BENCH_THINK", "0.05-0.15").split("-", 1))


class ApiUser(HttpUser):
    """A system calling the API: searches customers and opens profiles, pausing ``THINK`` seconds between calls."""

    wait_time = between(THINK[0], THINK[-1])

    @tag("search")
    @task(1)
    def search(self) -> None:
        term = random.choice(TERMS)  # nosec B311  # load generation, not security
        self.client.get(f"/api/v1/customers?q={term}&limit=25", headers=HEADERS, name="search")

    @tag("profile")
    @task(1)
    def profile(self) -> None:
        key = random.choice(KEYS)  # nosec B311  # load generation, not security
        self.client.get(f"/api/v1/customers/{key}", headers=HEADERS, name="profile")
