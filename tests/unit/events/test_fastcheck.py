"""The fast event check says "valid" exactly when jsonschema finds no error, on real and mutated events."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from pipeline.events.fastcheck import compile_check
from pipeline.events.schema import EVENT_TYPES, InvalidEvent, _validator, validate

VECTORS = Path(__file__).resolve().parents[2] / "data" / "realtime" / "vectors"
ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 1.0, 2.5, -0.5, "", "x", "x" * 300, [], {}, [1],
                         {"a": 1}, "2026-12-04T10:00:05Z", "2026-12-04 10:00", "GBP", 10**12]  # fmt: skip


def _events() -> list[dict[str, Any]]:
    found = []
    for path in sorted(VECTORS.glob("*.json")):
        found += [e for e in json.loads(path.read_text())["events"] if isinstance(e, dict)]
    return found


def _mutants(event: dict[str, Any], r: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        m = copy.deepcopy(event)
        target = m["payload"] if isinstance(m.get("payload"), dict) and r.random() < 0.5 else m
        keys = list(target)
        roll = r.random()
        if roll < 0.2 and keys:
            del target[r.choice(keys)]
        elif roll < 0.3:
            target[f"extra_{r.randrange(3)}"] = r.choice(ODD_VALUES)
        elif keys:
            target[r.choice(keys)] = r.choice(ODD_VALUES)
        out.append(m)
    return out


def test_every_event_schema_compiles_to_a_fast_check() -> None:
    assert all(compile_check(_validator(t).schema) is not None for t in EVENT_TYPES)


def test_fast_check_agrees_with_jsonschema_on_real_and_mutated_events() -> None:
    r = random.Random(11)
    events = _events()
    assert {e["type"] for e in events if e.get("type") in EVENT_TYPES} >= {"order_placed", "lead_created"}
    checked = invalid = 0
    for event in events:
        if event.get("type") not in EVENT_TYPES:
            continue
        validator = _validator(event["type"])
        fast = compile_check(validator.schema)
        assert fast is not None
        for m in [event, *_mutants(event, r, 150)]:
            expected = not any(True for _ in validator.iter_errors(m))
            assert fast(m) is expected, m
            checked += 1
            invalid += not expected
    assert checked > 1000 and 100 < invalid < checked


def test_a_bad_event_still_gets_jsonschemas_reason() -> None:
    event = next(e for e in _events() if e.get("type") == "order_placed")
    bad = copy.deepcopy(event)
    bad["payload"]["amount"] = "lots"
    with pytest.raises(InvalidEvent, match=r"schema: payload/amount: 'lots' is not of type"):
        validate(bad)
    assert validate(event) == event
