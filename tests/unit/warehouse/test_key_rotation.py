"""``python -m warehouse.keys rotate`` on SQLite and PostgreSQL while a reader reads without pause: no read fails,
and afterwards the new key alone reads everything; ``retire`` refuses a key that still encrypts a row."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from settings import Settings
from warehouse.crypto import Keyring, attach, key_id, keyring_of, load_keyring, split_keys
from warehouse.engine import Warehouse
from warehouse.keys import KeyOperationError, add_key, check_retirable, usage
from warehouse.keys.cli import main
from warehouse.migrate import upgrade
from warehouse.schema import dim_customer, golden_field, land_record, ops_batch_run

CUSTOMERS = 1200


def _expected() -> dict[int, tuple[str, str]]:
    return {k: (f"person{k}@example.com", f"+4477009{k:05d}") for k in range(1, CUSTOMERS + 1)}


def _fill(warehouse: Warehouse) -> None:
    rows = [
        {
            "customer_key": k,
            "name": f"Person {k}",
            "email": e,
            "phone": p,
            "is_customer": True,
            "source_count": 1,
        }
        for k, (e, p) in _expected().items()
    ]
    with warehouse.begin() as conn:
        conn.execute(dim_customer.insert(), rows)
        conn.execute(
            golden_field.insert(),
            [
                {"customer_key": r["customer_key"], "field": "email", "value": r["email"], "source": "s"}
                | {"source_key": str(r["customer_key"]), "rule": "most_recent", "candidates": 1}
                for r in rows
            ],
        )


def _read(warehouse: Warehouse) -> dict[int, tuple[str, str]]:
    query = sa.select(dim_customer.c.customer_key, dim_customer.c.email, dim_customer.c.phone)
    return {r["customer_key"]: (r["email"], r["phone"]) for r in warehouse.rows(query)}


@pytest.fixture()
def key_settings(warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of the embedded kind: keys in the key file under var_dir, created on first use."""
    monkeypatch.delenv("C360_PII_KEYS", raising=False)
    monkeypatch.delenv("C360_PII_HASH_KEY", raising=False)
    monkeypatch.setenv("C360_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("C360_DATABASE_URL", warehouse_url)
    return Settings()


def test_rotation_while_the_portal_reads_leaves_everything_readable_with_the_new_key_alone(
    key_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = Warehouse.from_url(key_settings.warehouse_url)
    reader = Warehouse.from_url(key_settings.warehouse_url)  # the portal: started before the rotation
    attach(writer.engine, load_keyring(key_settings))
    attach(reader.engine, load_keyring(key_settings))
    try:
        upgrade(writer)
        _fill(writer)
        old = load_keyring(key_settings).current
        expected = _expected()
        assert _read(reader) == expected

        stop = threading.Event()
        reads: list[int] = []
        failures: list[str] = []

        def read_continuously() -> None:
            while not stop.is_set():
                try:
                    got = _read(reader)
                except Exception as e:  # noqa: BLE001 - any failed read is what the test looks for
                    failures.append(repr(e))
                    continue
                if got != expected:
                    failures.append(
                        f"read {len(got)} rows, {sum(got[k] != v for k, v in expected.items())} differ"
                    )
                reads.append(len(got))

        thread = threading.Thread(target=read_continuously, daemon=True)
        thread.start()
        try:
            assert main(["rotate", "--batch-rows", "100"], settings=key_settings) == 0
        finally:
            stop.set()
            thread.join(timeout=60)
        said = capsys.readouterr().out
        new = load_keyring(Settings()).current
        assert new != old and f"under key {new}" in said and old in said
        assert failures == [] and len(reads) >= 2, (failures[:3], len(reads))
        assert keyring_of(reader.engine.dialect).current == new, (
            "the portal read the new key without a restart"
        )

        assert usage(writer)["dim_customer"] == {new: 2 * CUSTOMERS}
        assert main(["retire", old], settings=key_settings) == 0
        keys = split_keys((Path(key_settings.var_dir) / "pii-keys").read_text(encoding="utf-8"))
        assert [key_id(k) for k in keys] == [new]
        alone = Warehouse.from_url(key_settings.warehouse_url)
        attach(alone.engine, Keyring(keys, b"unused for reading"))
        try:
            assert _read(alone) == expected
            assert len(alone.rows(sa.select(golden_field.c.value))) == CUSTOMERS
        finally:
            alone.engine.dispose()
    finally:
        writer.engine.dispose()
        reader.engine.dispose()


def test_retire_refuses_a_key_that_still_encrypts_rows_and_the_newest_key(
    key_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = Warehouse.from_url(key_settings.warehouse_url)
    attach(warehouse.engine, load_keyring(key_settings))
    try:
        upgrade(warehouse)
        with warehouse.begin() as conn:
            conn.execute(
                ops_batch_run.insert().values(
                    batch_id=1,
                    started_at=sa.func.now(),
                    status="succeeded",
                    trigger="cli",
                    input_fingerprint="f",
                )
            )
            conn.execute(
                land_record.insert().values(
                    source="s", entity="Customer", source_key="1", content_hash="0" * 64,
                    payload='{"email": "frank@example.com"}', received_at=sa.func.now(), batch_id=1,
                )
            )  # fmt: skip
        old = load_keyring(key_settings).current
        path = Path(key_settings.var_dir) / "pii-keys"
        new = add_key(path)  # a new key, nothing moved to it yet
        keyring = load_keyring(key_settings)
        with pytest.raises(KeyOperationError, match=f"key {old} still encrypts rows \\(land_record 1\\)"):
            check_retirable(warehouse, keyring, old)
        assert main(["retire", old], settings=key_settings) == 1
        assert "still encrypts rows" in capsys.readouterr().err
        assert old in {key_id(k) for k in split_keys(path.read_text(encoding="utf-8"))}, "the key is kept"
        with pytest.raises(KeyOperationError, match="newest key"):
            check_retirable(warehouse, keyring, new)

        assert main(["rotate", "--no-new-key"], settings=key_settings) == 0
        assert main(["retire", old], settings=key_settings) == 0
        assert warehouse.scalar(sa.select(land_record.c.payload)) == '{"email": "frank@example.com"}'
    finally:
        warehouse.engine.dispose()
