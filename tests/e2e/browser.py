"""Shared pieces of the browser tests: signing in, and a small demo warehouse built by the real pipeline.

150 demo customers (seed 7, North West's orders cut by 30% in the last week) through the whole batch
(20–60 s on 2 shared cores depending on their load, most of it generating the files and training the
scoring models).
"""

from __future__ import annotations

from pathlib import Path

from components import ids
from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import demo_settings, fixed_clock, generate_demo
from tests.unit.portal.portal_data import PASSWORD
from warehouse import users
from warehouse.engine import Warehouse

CUSTOMERS = 150


def build_demo_warehouse(root: Path) -> Warehouse:
    """The demo world at ``root`` run through every pipeline step into SQLite, with the demo users."""
    sources = generate_demo(root / "demo", CUSTOMERS, "--plant-drop", "North West:2026-11-21:0.30")
    with demo_settings(root) as warehouse:
        assert "score" in run_batch(warehouse, load_sources(sources), clock=fixed_clock).steps_run
    users.ensure_demo_users(warehouse, PASSWORD)
    return warehouse


def sign_in(dash_duo, username: str) -> None:
    dash_duo.wait_for_element(f"#{ids.LOGIN_USERNAME}").send_keys(username)
    dash_duo.find_element(f"#{ids.LOGIN_PASSWORD}").send_keys(PASSWORD)
    dash_duo.find_element(f"#{ids.LOGIN_SUBMIT}").click()
    dash_duo.wait_for_element(f"#{ids.NAVBAR_USER}", timeout=15)
