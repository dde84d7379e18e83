"""`python -m pipeline.events relay`: a SQLite warehouse's changes reach `c360.cdc.<table>` on a real broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.events.broker import LocalKafka
from pipeline.events.kafka_io import read_to_end
from pipeline.events.outbox import RelayThread
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import dim_customer

ROOT = Path(__file__).resolve().parents[3]


def _ops_when(kafka: LocalKafka, relay: subprocess.Popen[bytes], count: int) -> list[str]:
    """The ops on c360.cdc.dim_customer once there are ``count`` of them (or after 60 s)."""
    ops: list[str] = []
    deadline = time.monotonic() + 60
    while len(ops) < count and time.monotonic() < deadline and relay.poll() is None:
        time.sleep(0.3)
        try:
            records = read_to_end(kafka.bootstrap, "c360.cdc.dim_customer", timeout=10)
        except Exception:  # noqa: BLE001 - the relay creates the topic once it starts
            continue
        ops = [json.loads(r.value or b"{}")["op"] for r in records]
    return ops


def test_the_relay_command_publishes_an_insert_update_and_delete(
    own_kafka: LocalKafka, tmp_path: Path
) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    customer = {
        "customer_key": 7,
        "name": "Acme Ltd",
        "is_customer": True,
        "source_count": 1,
        "completeness": 0.4,
    }
    env = os.environ | {"C360_DATABASE_URL": str(warehouse.engine.url), "C360_VAR_DIR": str(tmp_path / "var")}
    with open(tmp_path / "relay.log", "wb") as log:
        relay = subprocess.Popen(
            [sys.executable, "-m", "pipeline.events", "relay", "--bootstrap", own_kafka.bootstrap],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    changes = [
        dim_customer.insert().values(customer),
        dim_customer.update().where(dim_customer.c.customer_key == 7).values(email="ops@acme.example"),
        dim_customer.delete().where(dim_customer.c.customer_key == 7),
    ]
    try:
        ops: list[str] = []
        for change in changes:  # each published before the next (unpublished changes of one row are netted)
            with warehouse.begin() as conn:
                conn.execute(change)
            ops = _ops_when(own_kafka, relay, len(ops) + 1)
        assert ops == ["c", "u", "d"], (tmp_path / "relay.log").read_text(errors="replace")[-2000:]
    finally:
        os.killpg(relay.pid, signal.SIGTERM)
        relay.wait(timeout=30)
        warehouse.engine.dispose()
    assert relay.returncode == 0


def test_the_portal_relays_once_however_many_processes_serve(own_kafka: LocalKafka, tmp_path: Path) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    relays = [RelayThread(warehouse, own_kafka.bootstrap, retry=0.2) for _ in range(2)]
    for relay in relays:
        relay.start()
    try:
        with warehouse.begin() as conn:
            for key in range(1, 21):
                conn.execute(
                    dim_customer.insert().values(
                        customer_key=key,
                        name=f"Shop {key}",
                        is_customer=True,
                        source_count=1,
                        completeness=0.4,
                    )
                )
        keys: list[bytes | None] = []
        deadline = time.monotonic() + 60
        while len(keys) < 20 and time.monotonic() < deadline:
            time.sleep(0.3)
            try:
                keys = [r.key for r in read_to_end(own_kafka.bootstrap, "c360.cdc.dim_customer", timeout=10)]
            except Exception:  # noqa: BLE001 - the relay creates the topic once it leads
                continue
        time.sleep(1.0)  # a second relay publishing too would add copies now
        keys = [r.key for r in read_to_end(own_kafka.bootstrap, "c360.cdc.dim_customer", timeout=10)]
    finally:
        for relay in relays:
            relay.stop()
        warehouse.engine.dispose()
    assert sorted(keys) == sorted(str(k).encode() for k in range(1, 21))
