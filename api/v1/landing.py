"""Leads and interactions written through the API: validated exactly like a spreadsheet source's rows
(the same stager) and landed raw in ``land_record`` under the source ``api``, in a batch of their own
with a lineage edge; every pipeline batch stages them (``pipeline.api_writes``), then matches, builds and
traces them like any other source record."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pipeline import api_writes
from pipeline.connectors import spreadsheet
from pipeline.ops import SUCCEEDED, finish_batch, start_batch
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected
from warehouse.engine import Warehouse
from warehouse.schema import land_record, ops_lineage_edge

SOURCE = api_writes.SOURCE
# ``Customer Key`` (the golden customer the caller named) is kept raw for lineage, and so is the sales rep
# whose scope bounded the write (``api_writes.SCOPE``, read by the batch's survivorship); the stager reads the rest.
LEAD_HEADERS = {
    "company": "Company", "contact": "Contact", "email": "Email", "phone": "Phone", "town": "Town",
    "region": "Region", "owner": "Owner", "status": "Status", "value": "Est. Value (£)", "last_contact": "Last Contact",
    "customer_key": "Customer Key", "rep_scope": api_writes.SCOPE,
}  # fmt: skip
ACTIVITY_HEADERS = {
    "type": "Type", "date": "Date", "account": "Account", "contact": "Contact", "email": "Email", "rep": "Rep",
    "notes": "Notes", "customer_key": "Customer Key", "rep_scope": api_writes.SCOPE,
}  # fmt: skip


class InvalidRecord(ValueError):
    """The record breaks a source rule: ``field`` (the API's name) and ``rule`` say which."""

    def __init__(self, field: str | None, rule: str, message: str) -> None:
        super().__init__(message)
        self.field, self.rule, self.message = field, rule, message


@dataclass(frozen=True)
class Landed:
    source: str
    entity: str
    source_key: str
    land_id: int | None
    batch_id: int | None
    changed: bool


def payload(body: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    """The API body as the sheet row a sales team would have typed (dates as ISO text)."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        if value is None or name not in headers:
            continue
        out[headers[name]] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


def validate(record: RawRecord, locale: Locale, headers: Mapping[str, str]) -> None:
    """Stage the record as the pipeline will; a rejection names the API field and the rule."""
    try:
        spreadsheet.stage(record, locale)
    except Rejected as r:
        field = next((name for name, header in headers.items() if header == r.field), r.field)
        raise InvalidRecord(field, r.rule, r.message) from r


def latest_payload(warehouse: Warehouse, entity: str, source_key: str) -> dict[str, Any] | None:
    """The newest landed version of an API record, or None."""
    r = land_record
    rows = warehouse.rows(
        sa.select(r.c.payload)
        .where(r.c.source == SOURCE, r.c.entity == entity, r.c.source_key == source_key)
        .order_by(r.c.land_id.desc())
        .limit(1)
    )
    return json.loads(rows[0]["payload"]) if rows else None


def land(warehouse: Warehouse, record: RawRecord, now: dt.datetime) -> Landed:
    """Land one record (unchanged content lands nothing) in its own batch, with its lineage edge."""
    text = json.dumps(record.payload, sort_keys=True, default=str, ensure_ascii=False)
    latest = latest_payload(warehouse, record.entity, record.source_key)
    if (
        latest is not None
        and RawRecord(SOURCE, record.entity, record.source_key, latest).content_hash()
        == record.content_hash()
    ):
        return Landed(SOURCE, record.entity, record.source_key, None, None, False)
    fingerprint = hashlib.sha256(f"{record.entity}:{record.source_key}:{text}".encode()).hexdigest()
    api_writes.ensure_lock(warehouse.engine)
    with warehouse.begin() as conn:
        api_writes.hold_for_write(conn)  # a batch about to stage API records waits for this landing to commit
        batch_id = start_batch(conn, now, api_writes.TRIGGER, fingerprint)
        land_id = conn.execute(
            land_record.insert().values(
                source=SOURCE,
                entity=record.entity,
                source_key=record.source_key,
                content_hash=record.content_hash(),
                payload=text,
                received_at=now,
                batch_id=batch_id,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            ops_lineage_edge.insert().values(
                batch_id=batch_id,
                step="land",
                source_node=f"{SOURCE}:{record.entity}",
                target_node="land_record",
                rows=1,
            )
        )
        finish_batch(conn, batch_id, now, SUCCEEDED, f"api: {record.entity} {record.source_key} landed")
    return Landed(SOURCE, record.entity, record.source_key, int(land_id), batch_id, True)


def new_key(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"
