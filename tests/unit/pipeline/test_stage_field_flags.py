"""The stage step keeps a bad field as a flag a data steward sees, and the newest version of a record owns them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline import ops
from pipeline.connectors.changes import tombstone
from pipeline.quality.locale import Locale
from pipeline.records import SourceConfig
from pipeline.steps.stage import stage
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import land_record, stg_customer, stg_deletion, stg_field_flag, stg_reject

NOW = dt.datetime(2026, 12, 1, 9, 0)
UK = Locale("GB", "GBP")
AU_DIRECTORY = SourceConfig("yp_au", "directory_html", None, {"country": "AU"})
GOOD = {"listing_id": "7", "name": "Reef City Plumbing", "phone": "(07) 4051 2345", "postcode": "4870"}


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    yield warehouse
    warehouse.engine.dispose()


def land_and_stage(warehouse: Warehouse, payload: dict[str, Any]) -> None:
    """Land one version of listing 7 in a new batch, then stage it as a UK firm would."""
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, NOW, "test", json.dumps(payload))
        conn.execute(
            land_record.insert().values(
                source="yp_au", entity="Listing", source_key="7", content_hash="h", payload=json.dumps(payload),
                received_at=NOW, batch_id=batch,
            )
        )  # fmt: skip
        stage(conn, [AU_DIRECTORY], batch, home=UK)


def table(warehouse: Warehouse, t: sa.Table, *columns: str) -> list[tuple[Any, ...]]:
    with warehouse.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*(t.c[c] for c in columns)))]


def test_a_bad_phone_is_flagged_and_staged_empty_until_a_fixed_version_clears_it(
    warehouse: Warehouse,
) -> None:
    land_and_stage(warehouse, {**GOOD, "phone": "4051 23"})
    assert table(warehouse, stg_customer, "source_key", "phone", "postcode") == [("7", None, "4870")]
    assert table(
        warehouse, stg_field_flag, "source", "entity", "record_key", "field", "rule", "raw_value"
    ) == [("yp_au", "Listing", "7", "phone", "phone_format", "4051 23")]
    assert table(warehouse, stg_reject, "record_key") == []  # flagged, not quarantined

    land_and_stage(
        warehouse, {**GOOD, "rating": "7"}
    )  # a rejected version leaves the staged one and its flag
    assert table(warehouse, stg_reject, "rule") == [("range",)]
    assert table(warehouse, stg_field_flag, "field") == [("phone",)]

    land_and_stage(warehouse, GOOD)
    assert table(warehouse, stg_customer, "phone") == [("+61740512345",)]
    assert table(warehouse, stg_field_flag, "field") == []


def test_the_flags_of_a_record_deleted_at_its_source_leave_with_its_rows(warehouse: Warehouse) -> None:
    land_and_stage(warehouse, {**GOOD, "postcode": "48701"})
    assert table(warehouse, stg_field_flag, "field", "rule") == [("postcode", "postcode_format")]
    land_and_stage(warehouse, dict(tombstone("yp_au", "Listing", "7", NOW, "h").payload))
    assert table(warehouse, stg_customer, "source_key") == []
    assert table(warehouse, stg_field_flag, "field") == []
    [(kept,)] = table(warehouse, stg_deletion, "staged_rows")
    assert json.loads(kept)["stg_field_flag"][0]["raw_value"] == "48701"
