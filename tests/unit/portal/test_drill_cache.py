"""The drill panel draws a view once per worker and data version: a finished batch draws it afresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from components.drill_panel import pid
from components.view_cache import ViewCache
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings, sign_in
from tests.unit.portal.test_drill_portal import MARCH, bars, render
from warehouse.schema import mart_sales, ops_batch_run


def test_a_finished_batch_redraws_the_charts_everyone_shares(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(portal_settings(tmp_path), warehouse)
    with app.server.test_client() as client:
        assert sign_in(client, "manager").status_code == 303
        place = pid("overview", "place-graph")
        assert bars(render(client, MARCH)[place]["figure"])["London"] == 1200.0
        with warehouse.begin() as conn:  # the marts step of a batch doubles London's March
            conn.execute(
                mart_sales.update()
                .where(mart_sales.c.region == "London")
                .values(revenue=mart_sales.c.revenue * 2)
            )
            started = dt.datetime(2026, 12, 1, 6, 0)
            conn.execute(
                sa.insert(ops_batch_run).values(
                    started_at=started, status="running", trigger="cli", input_fingerprint="x"
                )
            )
        assert bars(render(client, MARCH)[place]["figure"])["London"] == 2400.0  # a batch began: drawn afresh
        with warehouse.begin() as conn:
            conn.execute(
                mart_sales.update()
                .where(mart_sales.c.region == "London")
                .values(revenue=mart_sales.c.revenue * 2)
            )
        assert (
            bars(render(client, MARCH)[place]["figure"])["London"] == 2400.0
        )  # same batch: the drawing kept
        with warehouse.begin() as conn:
            conn.execute(
                ops_batch_run.update().values(status="succeeded", finished_at=dt.datetime(2026, 12, 1, 6, 5))
            )
        assert bars(render(client, MARCH)[place]["figure"])["London"] == 4800.0  # it finished: drawn afresh
    warehouse.engine.dispose()


def test_a_drawing_is_kept_for_its_time_and_the_least_recently_used_goes_first() -> None:
    now = [0.0]
    cache = ViewCache(size=2, ttl=60.0, clock=lambda: now[0])
    drawn: list[str] = []

    def draw(name: str) -> str:
        drawn.append(name)
        return name.upper()

    assert cache.get_or_build("a", lambda: draw("a")) == "A"
    assert cache.get_or_build("a", lambda: draw("a")) == "A"
    cache.get_or_build("b", lambda: draw("b"))
    cache.get_or_build("a", lambda: draw("a"))  # a is now the most recent
    cache.get_or_build("c", lambda: draw("c"))  # b goes
    cache.get_or_build("b", lambda: draw("b"))
    now[0] = 61.0
    cache.get_or_build("b", lambda: draw("b"))  # expired: drawn again
    assert drawn == ["a", "b", "c", "b", "b"]
