"""What the land step stores of a record: the text its content hash is taken of, which reads back as the payload;
and a deletion is known as one whether it was stored by this version or by an earlier one (with spaces)."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from pipeline import ops
from pipeline.connectors.changes import TOMBSTONE
from pipeline.records import RawRecord
from pipeline.steps.land import _latest_versions, _new_rows
from tests.integration.pipeline.conftest import FIXED_NOW
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import land_record

PAYLOAD = {"Name": "Zoë's Café", "Balance": 12.5, "Lines": [{"Qty": 2, "Note": None}], "Active": True}


def test_the_stored_payload_is_the_hashed_text_and_reads_back_as_the_record(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    record = RawRecord("shop", "Customer", "7", PAYLOAD)
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, FIXED_NOW, "test", "land-payloads")
        conn.execute(land_record.insert(), list(_new_rows([record], {}, "shop", batch, FIXED_NOW)))
    stored = warehouse.rows(sa.select(land_record.c.payload, land_record.c.content_hash))
    assert len(stored) == 1
    text, content_hash = stored[0]["payload"], stored[0]["content_hash"]
    assert json.loads(text) == PAYLOAD
    assert content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest() == record.content_hash()


def test_a_tombstone_is_known_in_the_compact_form_and_in_the_earlier_spaced_form(
    warehouse: Warehouse,
) -> None:
    upgrade(warehouse)
    body = {TOMBSTONE: True, "deleted_at": "2026-11-27T23:00:00", "last_hash": "abc"}
    texts = {
        "compact": json.dumps(body, sort_keys=True, separators=(",", ":")),
        "spaced": json.dumps(body, sort_keys=True, ensure_ascii=False),  # as earlier versions stored it
        "alive": json.dumps({"note": f'"{TOMBSTONE}": true'}, sort_keys=True),  # the words, inside a value
    }
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, FIXED_NOW, "test", "land-payloads")
        for key, text in texts.items():
            conn.execute(
                land_record.insert().values(
                    source="shop",
                    entity="Customer",
                    source_key=key,
                    content_hash=key,
                    payload=text,
                    received_at=FIXED_NOW,
                    batch_id=batch,
                )  # fmt: skip
            )
        latest = _latest_versions(conn, "shop")
    assert {key: dead for (_, key), (_, dead) in latest.items()} == {
        "compact": True,
        "spaced": True,
        "alive": False,
    }
