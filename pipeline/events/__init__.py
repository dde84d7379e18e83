"""Customer events: the contract (``docs/realtime.md``), validation, and the processors that keep live KPIs and alerts."""

from pipeline.events.alerts import DEFAULT_THRESHOLDS, Thresholds
from pipeline.events.engine import StreamEngine
from pipeline.events.records import Alert, Campaign, Customer, DeadLetter, KpiRecord, Output
from pipeline.events.schema import EVENT_TYPES, SCHEMA_VERSION, InvalidEvent, validate

__all__ = [
    "DEFAULT_THRESHOLDS",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "Alert",
    "Campaign",
    "Customer",
    "DeadLetter",
    "InvalidEvent",
    "KpiRecord",
    "Output",
    "StreamEngine",
    "Thresholds",
    "validate",
]
