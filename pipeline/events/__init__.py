"""Customer events: the contract (``docs/realtime.md``), validation, and the processors that keep live KPIs and alerts."""

from pipeline.events.alerts import DEFAULT_THRESHOLDS, Thresholds
from pipeline.events.engine import StreamEngine
from pipeline.events.reconcile import kpis_by_sql
from pipeline.events.records import Alert, Campaign, Customer, DeadLetter, KpiRecord, Output
from pipeline.events.reference import load_campaigns, load_customers
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
    "kpis_by_sql",
    "load_campaigns",
    "load_customers",
    "validate",
]
