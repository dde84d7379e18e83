"""Personal data at rest on SQLite and PostgreSQL: stored as Fernet tokens, read in clear through the schema,
found by exact e-mail through its keyed hash; rows from before encryption are encrypted by the migration."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from settings import Settings
from warehouse.crypto import Keyring, KeyringError, attach, keyring_of, load_keyring
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.queries import search_customers
from warehouse.schema import dim_customer, land_record, mart_customer_kpi, ops_batch_run, stg_customer

PEOPLE = [
    {
        "customer_key": 1,
        "name": "Alice Archer",
        "email": "Alice.Archer@example.com",
        "phone": "+441622459706",
    },
    {"customer_key": 2, "name": "Bob Baker", "email": "bob@bakers.example", "phone": "+447700900123"},
    {"customer_key": 3, "name": "Carol Cooper", "email": None, "phone": None},
]


def _customers(warehouse: Warehouse) -> None:
    with warehouse.begin() as conn:
        conn.execute(
            dim_customer.insert(),
            [
                {**p, "street": f"{p['customer_key']} High Street", "is_customer": True, "source_count": 1}
                for p in PEOPLE
            ],
        )
        conn.execute(mart_customer_kpi.insert(), [_kpi(p["customer_key"], str(p["name"])) for p in PEOPLE])


def _kpi(key: int, name: str) -> dict[str, object]:
    zero = ("orders", "revenue_total", "revenue_365d", "avg_order_value", "interactions_90d")
    return {
        "customer_key": key,
        "name": name,
        "is_customer": True,
        "is_active": True,
        **dict.fromkeys(zero, 0),
    }


def _stored(warehouse: Warehouse, sql: str) -> list[tuple[object, ...]]:
    """Rows as the database holds them (no column types, so nothing is decrypted)."""
    with warehouse.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def test_personal_data_is_stored_encrypted_and_read_in_clear(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    _customers(warehouse)

    read = warehouse.rows(
        sa.select(dim_customer.c.name, dim_customer.c.email, dim_customer.c.phone).order_by("name")
    )
    assert read == [{"name": p["name"], "email": p["email"], "phone": p["phone"]} for p in PEOPLE]
    stored = _stored(warehouse, "SELECT name, email, phone, street FROM dim_customer ORDER BY name")
    text = repr(stored)
    for person in PEOPLE[:2]:
        assert person["email"] not in text and str(person["phone"]) not in text and "High Street" not in text
        assert person["name"] in text, "names stay in clear, for sorting and search"
    assert all(str(v).startswith("enc1:") for row in stored[:2] for v in row[1:])
    assert stored[2][1:3] == (None, None), "a missing value stays NULL"


def test_search_finds_a_customer_by_exact_email_any_case(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    _customers(warehouse)
    rows, total = search_customers(warehouse, "alice.archer@EXAMPLE.com ")
    assert total == 1 and rows[0]["email"] == "Alice.Archer@example.com"
    assert search_customers(warehouse, "archer")[1] == 1, "names still match any part"
    assert search_customers(warehouse, "nobody@example.com") == ([], 0)


def test_a_record_landed_in_clear_before_the_migration_is_encrypted_by_it(warehouse: Warehouse) -> None:
    upgrade(warehouse, "0013")
    payload = '{"PrimaryEmailAddr": {"Address": "dana@dunes.example"}, "DisplayName": "Dana Dunes"}'
    with warehouse.engine.begin() as conn:
        conn.exec_driver_sql(
            'INSERT INTO ops_batch_run (batch_id, started_at, status, "trigger", input_fingerprint)'
            " VALUES (1, '2026-12-01 00:00:00', 'succeeded', 'cli', 'f')"
        )
        conn.execute(
            sa.text(
                "INSERT INTO land_record (land_id, source, entity, source_key, content_hash, payload, received_at,"
                " batch_id) VALUES (1, 'quickbooks', 'Customer', '7', :h, :p, '2026-12-01 00:00:00', 1)"
            ),
            {"h": "0" * 64, "p": payload},
        )
        conn.execute(
            sa.text(
                "INSERT INTO stg_customer (source, source_key, entity, display_name, email, phone, land_id, batch_id)"
                " VALUES ('quickbooks', '7', 'Customer', 'Dana Dunes', 'dana@dunes.example', '+441632960001', 1, 1)"
            )
        )
    upgrade(warehouse)
    stored = repr(
        _stored(warehouse, "SELECT payload FROM land_record")
        + _stored(warehouse, "SELECT * FROM stg_customer")
    )
    assert "dana@dunes.example" not in stored and "+441632960001" not in stored and "Dana Dunes" in stored
    assert warehouse.scalar(sa.select(land_record.c.payload)) == payload
    staged = warehouse.rows(sa.select(stg_customer.c.email, stg_customer.c.phone, stg_customer.c.email_hash))[
        0
    ]
    assert staged["email"] == "dana@dunes.example" and staged["phone"] == "+441632960001"
    keyring = keyring_of(warehouse.engine.dialect)
    assert staged["email_hash"] == keyring.blind_index("email", "DANA@dunes.example")
    assert warehouse.scalar(sa.select(sa.func.count()).select_from(ops_batch_run)) == 1


def test_a_value_under_an_unknown_key_fails_loudly(tmp_path: Path) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        upgrade(warehouse)
        _customers(warehouse)
        attach(warehouse.engine, Keyring([Fernet.generate_key().decode()], b"another hash key"))
        with pytest.raises(KeyringError, match="cannot be decrypted with keys"):
            warehouse.rows(sa.select(dim_customer.c.email))
    finally:
        warehouse.engine.dispose()


def test_without_configured_keys_the_demo_keeps_its_own_in_private_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("C360_PII_KEYS", raising=False)
    monkeypatch.delenv("C360_PII_HASH_KEY", raising=False)
    settings = Settings(var_dir=tmp_path / "var")
    first = load_keyring(settings)
    for name in ("pii-keys", "pii-hash-key"):
        mode = (tmp_path / "var" / name).stat().st_mode
        assert stat.S_IMODE(mode) == 0o600, name
    again = load_keyring(Settings(var_dir=tmp_path / "var"))
    token = first.encrypt("erin@example.com")
    assert again.decrypt(token) == "erin@example.com", "a restart reads what the last run wrote"
    assert again.blind_index("email", "Erin@Example.com") == first.blind_index("email", "erin@example.com")
