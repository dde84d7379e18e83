"""Bad events go to the dead letters with the contract's reason and the text received; the stream goes on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipeline.events import StreamEngine

GOOD = {
    "event_id": "e1",
    "type": "order_placed",
    "schema_version": 1,
    "occurred_at": "2026-12-04T10:00:00.000Z",
    "customer_key": 1,
    "source_key": None,
    "channel": "web",
    "payload": {"order_id": "SO-1", "amount": 12.5, "currency": "GBP"},
}


def changed(**fields: Any) -> bytes:
    return json.dumps({**GOOD, **fields}).encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json{", "invalid_json: "),
        (b"\xff\xfe{}", "invalid_json: "),
        (b"[1, 2]", "invalid_json: expected an object, got list"),
        (changed(type="teleport"), "unknown_type: 'teleport'"),
        (changed(type="teleport", schema_version=3), "unknown_type: 'teleport'"),  # type is checked first
        (changed(schema_version=2), "unsupported_version: 2"),
        (changed(payload={"order_id": "SO-1", "currency": "GBP"}), "schema: payload: 'amount' is a required"),
        (changed(payload={**GOOD["payload"], "amount": -1}), "schema: payload/amount: -1 is less than"),
        (changed(customer_key=None), "schema: "),  # neither a customer key nor a source key
        (changed(occurred_at="2026-12-04 10:00:00"), "schema: occurred_at: "),
        (changed(occurred_at="2026-02-30T10:00:00Z"), "schema: occurred_at: day is out of range"),
    ],
)
def test_a_bad_event_is_dead_lettered_with_its_reason_and_text(raw: bytes, reason: str) -> None:
    engine = StreamEngine({}, {})
    out = engine.process(raw)
    assert out.dead_letter is not None and out.dead_letter.reason.startswith(reason)
    assert out.dead_letter.raw == raw.decode("utf-8", errors="replace")
    assert out.kpis == [] and out.alerts == []
    after = engine.process(json.dumps(GOOD))
    assert after.dead_letter is None and len(after.kpis) == 12
    assert engine.counts["dead_letters"] == 1


def test_a_bad_event_given_as_data_is_dead_lettered_as_json_text() -> None:
    out = StreamEngine({}, {}).process({**GOOD, "schema_version": 2})
    assert out.dead_letter is not None and out.dead_letter.code == "unsupported_version"
    assert json.loads(out.dead_letter.raw)["event_id"] == "e1"


def test_a_duplicate_is_not_a_dead_letter() -> None:
    engine = StreamEngine({}, {})
    engine.process(json.dumps(GOOD))
    out = engine.process(json.dumps(GOOD))
    assert out.duplicate and out.dead_letter is None
    assert engine.counts == {"processed": 1, "duplicates": 1}


def test_the_dead_letter_record_says_where_the_event_was_read() -> None:
    out = StreamEngine({}, {}).process(b"not json{")
    assert out.dead_letter is not None
    record = out.dead_letter.as_record("c360.events", 3, 41)
    assert record["topic"] == "c360.events" and (record["partition"], record["offset"]) == (3, 41)
    assert record["raw"] == "not json{" and record["reason"].startswith("invalid_json: ")
