"""Every test vector of ``tests/data/realtime/vectors`` (the contract's shared examples) passes on the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.events.vectors import ALERT_FIELDS, VECTORS, engine_for, key, load, run


@pytest.mark.parametrize("path", sorted(VECTORS.glob("*.json")), ids=lambda p: p.stem)
def test_vector(path: Path) -> None:
    vector = load(path)
    engine = engine_for(vector)
    finals, alerts, dead = run(engine, vector["events"])
    expected = vector["expected"]
    for record in expected["kpis"]:
        assert finals.get(key(record)) == record, key(record)
    assert len(finals) == expected["kpi_keys"]
    got = sorted(tuple(a[f] for f in ALERT_FIELDS) for a in alerts)
    assert got == sorted(tuple(a[f] for f in ALERT_FIELDS) for a in expected["alerts"])
    assert len(alerts) == len(expected["alerts"]), "an alert fired twice"
    assert dead == [
        {"index": d["index"], "reason": d["reason"].split(":")[0]} for d in expected["dead_letters"]
    ]
    # What the engine holds now is what it last sent, for every window still open.
    assert {r.key: r.as_dict() for r in engine.kpis()}.items() <= finals.items()


def test_the_hand_computed_vectors_are_there() -> None:
    names = {p.stem for p in VECTORS.glob("*.json")}
    assert {"one_morning", "leads_and_campaigns"} <= names
