"""What the match step's result depends on, in one digest: while it is what match last left, a batch has nothing
to match (a batch in which only sales or other documents changed).

Match reads the staged customer records, the stewards' decisions, what it wrote itself, the records sales reps
wrote through the API (with the reps' names as core names them) and two settings. The digest covers:

- the staged customer records: how many, and the sum and the largest of their ``land_id``. A row's values are
  those of the landed version it came from, and a new record or a newer version of one comes from a landing
  with a higher ``land_id`` than any before; a record deleted at its source leaves fewer rows. An erasure
  rewrites rows in place: completed erasures are counted. (An abandoned batch takes its landings away and
  restages from the first record: it drops this watermark, ``pipeline.recovery``);
- every decided review pair with its decision (a steward's decision, or one written by hand);
- what match wrote, so that a change by anything else makes it run: ``customer_xref`` (how many rows, the sum
  of their keys, the newest batch), ``customer_xref_deleted`` and ``identity_review`` (how many, the newest
  batch) and match's watermarks (the highest key, the saved model and the records it was trained on);
- the records reps wrote through the API with their reps, and the reps' names when there are such records;
- the home country (how phones without a country code read) and the matching backend.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.privacy.requests import erased_keys_query
from warehouse.schema import (
    customer_xref,
    customer_xref_deleted,
    identity_review,
    ops_watermark,
    stg_customer,
)

STATE = "match:state"  # ops_watermark entry: the digest of what match last read and left
OWN_WATERMARKS = ("identity:max-key", "identity:model", "identity:model-records")


def what_match_reads(
    conn: Connection,
    decisions: Mapping[tuple[str, str], str],
    writers: Mapping[str, str],
    reps: Mapping[str, str],
    settings: tuple[str | None, str],
) -> list[Any]:
    """What match reads and does not write (``settings``: the home country and the matching backend)."""
    s = stg_customer.c
    staged = conn.execute(sa.select(sa.func.count(), sa.func.sum(s.land_id), sa.func.max(s.land_id))).one()
    erasures = conn.execute(
        sa.select(sa.func.count()).select_from(erased_keys_query().subquery())
    ).scalar_one()
    return [
        [int(staged[0]), int(staged[1] or 0), int(staged[2] or 0)],
        int(erasures),
        sorted([a, b, status] for (a, b), status in decisions.items()),
        list(writers.items()),  # in landing order: the first writer owns a customer only reps wrote
        sorted(reps.items()),
        list(settings),
    ]


def what_match_wrote(conn: Connection) -> list[Any]:
    """What match wrote: its tables' shape and its watermarks."""
    x, d, r = customer_xref.c, customer_xref_deleted.c, identity_review.c
    xref = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(x.customer_key), sa.func.max(x.batch_id))
    ).one()
    deleted = conn.execute(sa.select(sa.func.count(), sa.func.max(d.batch_id))).one()
    review = conn.execute(sa.select(sa.func.count(), sa.func.max(r.batch_id))).one()
    marks = conn.execute(
        sa.select(ops_watermark.c.name, ops_watermark.c.value)
        .where(ops_watermark.c.name.in_(OWN_WATERMARKS))
        .order_by(ops_watermark.c.name)
    ).all()
    return [
        [int(v or 0) for v in (*xref, *deleted, *review)],
        [[name, hashlib.sha256(str(value).encode()).hexdigest()] for name, value in marks],
    ]


def digest(read: list[Any], wrote: list[Any]) -> str:
    """The state as one hash (what the ``match:state`` watermark holds)."""
    text = json.dumps([read, wrote], separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
