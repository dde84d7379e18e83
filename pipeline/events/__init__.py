"""Customer events: the contract (``docs/realtime.md``), validation, and the processors that keep live KPIs and alerts."""

from pipeline.events.schema import EVENT_TYPES, SCHEMA_VERSION, InvalidEvent, validate

__all__ = ["EVENT_TYPES", "SCHEMA_VERSION", "InvalidEvent", "validate"]
