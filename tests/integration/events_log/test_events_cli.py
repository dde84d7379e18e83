"""``python -m pipeline events generate`` plays the firm's customers into the log; ``replay`` rebuilds the views."""

from __future__ import annotations

import datetime as dt
import decimal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.cli import main
from pipeline.events import log
from pipeline.events.schema import validate
from settings import get_settings
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import (
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_sales_rep,
    proj_customer_activity,
    proj_customer_timeline,
)


@pytest.fixture()
def firm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    """A small firm in a SQLite warehouse the CLI's settings point at; sleeping takes no time."""
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    get_settings.cache_clear()
    warehouse = Warehouse.from_url(url)
    upgrade(warehouse)
    with warehouse.begin() as conn:
        conn.execute(
            dim_sales_rep.insert(), [{"rep_key": 1, "name": "Ann Lee"}, {"rep_key": 2, "name": "Bob Stone"}]
        )
        conn.execute(dim_channel.insert(), [{"channel_key": 1, "name": "instagram"}])
        conn.execute(
            dim_campaign.insert(),
            [
                {
                    "campaign_key": 3,
                    "source": "ads",
                    "source_key": "c3",
                    "name": "Winter",
                    "channel_key": 1,
                    "budget": 900,
                }
            ],
        )
        conn.execute(
            dim_customer.insert(),
            [
                {
                    "customer_key": k,
                    "name": f"Customer {k}",
                    "rep_key": 1 + k % 2,
                    "is_customer": True,
                    "source_count": 1,
                }
                for k in range(1, 61)
            ],
        )
    yield warehouse
    warehouse.engine.dispose()
    get_settings.cache_clear()


def rows(warehouse: Warehouse, table: sa.Table) -> list[tuple[Any, ...]]:
    with warehouse.engine.connect() as conn:
        found = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
    return [tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in r) for r in found]


def test_generate_appends_live_events_of_the_firm_and_replay_rebuilds_the_same_views(
    firm: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert main(["events", "generate", "--speed", "600", "--duration", "60", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    events = [e for _, e in log.tail(firm, 0, limit=100_000)]
    assert len(events) > 20 and f"{len(events)} events appended" in out
    for event in events:
        validate(event)
        assert event.get("customer_key") is None or 1 <= event["customer_key"] <= 60
        moment = dt.datetime.fromisoformat(event["occurred_at"].replace("Z", ""))
        assert abs((moment - started).total_seconds()) < 120  # stamped now, so the live windows count it
    assert {e["payload"]["campaign_id"] for e in events if e["type"].startswith("campaign_")} <= {"3"}

    before = (rows(firm, proj_customer_activity), rows(firm, proj_customer_timeline))
    assert main(["replay"]) == 0
    assert f"replayed {len(events)} events" in capsys.readouterr().out
    assert (rows(firm, proj_customer_activity), rows(firm, proj_customer_timeline)) == before
    assert before[0]


def test_generate_without_customers_says_to_run_a_batch_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("C360_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        assert main(["events", "generate", "--duration", "1"]) == 1
    finally:
        get_settings.cache_clear()
    assert "python -m pipeline run" in capsys.readouterr().err
