"""Changes of golden customers reach the publisher through the SQLite outbox: in order, once each, within 2 s."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.events.outbox import Relay
from warehouse.crypto import keyring_of
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import dim_customer, evt_outbox

CUSTOMER = {
    "customer_key": 7,
    "name": "Acme Ltd",
    "is_customer": True,
    "source_count": 1,
    "completeness": 0.4,
}


class Collector:
    """The publisher: keeps what it was given, as a topic consumer would see it."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.fail_next = False

    def __call__(self, topic: str, key: str, value: dict[str, Any]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("broker unavailable")
        with self.lock:
            self.messages.append((topic, key, value))

    def wait_for(self, count: int, seconds: float = 2.0) -> list[tuple[str, str, dict[str, Any]]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.01)
        raise AssertionError(f"{count} messages expected within {seconds} s, got {self.messages}")


@pytest.fixture()
def sqlite_warehouse(tmp_path: Path) -> Any:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    yield warehouse
    warehouse.engine.dispose()


def test_insert_update_and_delete_reach_the_publisher_within_two_seconds(sqlite_warehouse: Warehouse) -> None:
    published = Collector()
    thread, stop = Relay(sqlite_warehouse, published).start(poll_seconds=0.05)
    try:
        with sqlite_warehouse.begin() as conn:
            conn.execute(dim_customer.insert(), CUSTOMER)
        started = time.monotonic()
        published.wait_for(1)
        with sqlite_warehouse.begin() as conn:
            conn.execute(
                dim_customer.update().where(dim_customer.c.customer_key == 7).values(email="ops@acme.example")
            )
        published.wait_for(2)
        with sqlite_warehouse.begin() as conn:
            conn.execute(dim_customer.delete().where(dim_customer.c.customer_key == 7))
        messages = published.wait_for(3)
        assert time.monotonic() - started < 6
    finally:
        stop.set()
        thread.join(timeout=5)
    assert [(topic, key, m["op"]) for topic, key, m in messages] == [
        ("c360.cdc.dim_customer", "7", "c"),
        ("c360.cdc.dim_customer", "7", "u"),
        ("c360.cdc.dim_customer", "7", "d"),
    ]
    created, updated, deleted = (m for _, _, m in messages)
    assert created["before"] is None and created["after"]["name"] == "Acme Ltd"
    # personal data stays encrypted in the change stream: a consumer holding the keys reads it
    clear = keyring_of(sqlite_warehouse.engine.dialect).decrypt
    assert updated["before"]["email"] is None and clear(updated["after"]["email"]) == "ops@acme.example"
    assert updated["after"]["email"] != "ops@acme.example"
    assert clear(deleted["before"]["email"]) == "ops@acme.example" and deleted["after"] is None
    assert all(
        m["source"] == {"table": "dim_customer"} and m["ts_ms"] > 1_700_000_000_000 for _, _, m in messages
    )
    assert len({m["event_id"] for _, _, m in messages}) == 3
    assert Relay(sqlite_warehouse, published).run_once() == 0  # each change once


def test_a_rebuild_that_puts_the_same_rows_back_publishes_only_what_changed(
    sqlite_warehouse: Warehouse,
) -> None:
    other = CUSTOMER | {"customer_key": 8, "name": "Brick & Co"}
    with sqlite_warehouse.begin() as conn:
        conn.execute(dim_customer.insert(), [CUSTOMER, other])
    published = Collector()
    relay = Relay(sqlite_warehouse, published)
    assert relay.run_once() == 2
    with sqlite_warehouse.begin() as conn:  # what the batch's core step does
        conn.execute(dim_customer.delete())
        conn.execute(dim_customer.insert(), [CUSTOMER | {"phone": None}, other | {"phone": "+441632960001"}])
    assert relay.run_once() == 1
    _, key, change = published.messages[-1]
    clear = keyring_of(sqlite_warehouse.engine.dialect).decrypt
    assert key == "8" and change["op"] == "u" and clear(change["after"]["phone"]) == "+441632960001"


def test_a_failed_publish_leaves_the_change_to_send_again(sqlite_warehouse: Warehouse) -> None:
    with sqlite_warehouse.begin() as conn:
        conn.execute(dim_customer.insert(), CUSTOMER)
    published = Collector()
    published.fail_next = True
    relay = Relay(sqlite_warehouse, published)
    with pytest.raises(Exception, match="broker unavailable"):
        relay.run_once()
    pending = sa.select(sa.func.count()).select_from(evt_outbox).where(evt_outbox.c.relayed_at.is_(None))
    assert sqlite_warehouse.scalar(pending) == 1
    assert relay.run_once() == 1
    assert sqlite_warehouse.scalar(pending) == 0
    assert [m["op"] for _, _, m in published.messages] == ["c"]
