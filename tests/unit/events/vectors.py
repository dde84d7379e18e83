"""Runs a test vector (``docs/realtime.md``, "Test vectors") through the engine as a transport would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.events import Campaign, Customer, StreamEngine

VECTORS = Path(__file__).resolve().parents[2] / "data" / "realtime" / "vectors"
ALERT_FIELDS = ("alert_id", "rule", "severity", "customer_key", "rep", "event_id")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def engine_for(vector: dict[str, Any]) -> StreamEngine:
    customers = {c["customer_key"]: Customer.from_dict(c) for c in vector["customers"]}
    campaigns = {c["campaign_id"]: Campaign.from_dict(c) for c in vector["campaigns"]}
    return StreamEngine(customers, campaigns)


def run(engine: StreamEngine, events: list[Any]) -> tuple[dict[str, dict[str, Any]], list[Any], list[Any]]:
    """Send each event as the bytes a transport carries; the last KPI value per key, the alerts, the dead letters."""
    finals: dict[str, dict[str, Any]] = {}
    alerts, dead = [], []
    for index, event in enumerate(events):
        raw = event.encode() if isinstance(event, str) else json.dumps(event).encode()
        out = engine.process(raw)
        finals.update({r.key: r.as_dict() for r in out.kpis})
        alerts += [a.as_dict() for a in out.alerts]
        if out.dead_letter is not None:
            dead.append({"index": index, "reason": out.dead_letter.code})
            assert out.dead_letter.raw == raw.decode()
    return finals, alerts, dead


def key(record: dict[str, Any]) -> str:
    return "|".join(str(record[k]) for k in ("window", "window_start", "dimension", "dimension_value"))
