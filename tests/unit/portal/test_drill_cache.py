"""The drill panel draws a view once per worker and data version: a finished batch draws it afresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from components.drill_panel import pid
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings, sign_in
from tests.unit.portal.test_drill_portal import MARCH, bars, render
from warehouse.policy import Viewer
from warehouse.schema import golden_override, mart_sales, ops_batch_run, privacy_request
from warehouse.view_cache import ViewCache, reader_scope


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


def test_an_erasure_or_an_override_outside_a_batch_redraws_the_charts(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    app = create_app(portal_settings(tmp_path), warehouse)
    place = pid("overview", "place-graph")

    def double_london() -> None:
        with warehouse.begin() as conn:
            conn.execute(
                mart_sales.update()
                .where(mart_sales.c.region == "London")
                .values(revenue=mart_sales.c.revenue * 2)
            )

    with app.server.test_client() as client:
        assert sign_in(client, "manager").status_code == 303
        assert bars(render(client, MARCH)[place]["figure"])["London"] == 1200.0
        double_london()
        with warehouse.begin() as conn:  # an erasure completes between batches
            conn.execute(
                sa.insert(privacy_request).values(
                    kind="erasure",
                    customer_key=1,
                    requested_at=dt.datetime(2026, 12, 1, 9),
                    completed_at=dt.datetime(2026, 12, 1, 9),
                    requested_by="dpo",
                    status="completed",
                )
            )
        assert bars(render(client, MARCH)[place]["figure"])["London"] == 2400.0
        double_london()
        with warehouse.begin() as conn:  # a steward sets a golden value
            conn.execute(
                sa.insert(golden_override).values(
                    customer_key=1,
                    field="company_name",
                    value="Renamed Ltd",
                    reason="typo",
                    set_by="steward",
                    set_at=dt.datetime(2026, 12, 1, 10),
                )
            )
        assert bars(render(client, MARCH)[place]["figure"])["London"] == 4800.0
    warehouse.engine.dispose()


def test_readers_of_names_in_clear_and_masked_never_share_a_drawing() -> None:
    manager, analyst = Viewer("m", "manager"), Viewer("a", "analyst")
    assert manager.all_customers and analyst.all_customers
    assert manager.sees_pii != analyst.sees_pii
    assert reader_scope(manager) != reader_scope(analyst)
