"""Event validation: one JSON Schema per event type (``schemas/<type>.json``), used on produce and on consume.

Checks run in the order ``docs/realtime.md`` gives, so every processor gives a bad event the same reason:
not JSON → unknown type → unsupported schema version → schema failure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from pipeline.events.fastcheck import Check, compile_check

SCHEMA_VERSION = 1
EVENT_TYPES = (
    "order_placed",
    "invoice_paid",
    "payment_received",
    "lead_created",
    "lead_moved",
    "campaign_impression",
    "campaign_click",
    "visit",
    "social_mention",
    "support_contact",
    "profile_change",
)


class InvalidEvent(ValueError):
    """An event that breaks the contract; ``reason`` is ``<code>: <detail>`` as the dead-letter topic writes it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.detail}"


@cache
def _validator(event_type: str) -> Draft202012Validator:
    text = resources.files(__package__).joinpath("schemas", f"{event_type}.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


@cache
def _fast(event_type: str) -> Check | None:
    """The compiled yes/no check of the type's schema (``jsonschema`` still explains every failure)."""
    return compile_check(_validator(event_type).schema)


def validate(raw: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """The event as a dict, or :class:`InvalidEvent` saying why it is not one."""
    if isinstance(raw, Mapping):
        event = dict(raw)
    else:
        try:
            event = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InvalidEvent("invalid_json", str(e)) from e
        if not isinstance(event, dict):
            raise InvalidEvent("invalid_json", f"expected an object, got {type(event).__name__}")
    event_type = event.get("type")
    if event_type not in EVENT_TYPES:
        raise InvalidEvent("unknown_type", repr(event_type))
    if event.get("schema_version") != SCHEMA_VERSION:
        raise InvalidEvent("unsupported_version", repr(event.get("schema_version")))
    fast = _fast(event_type)
    if fast is not None and fast(event):
        return event
    error = next(iter(sorted(_validator(event_type).iter_errors(event), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(part) for part in error.path) or "event"
        raise InvalidEvent("schema", f"{where}: {error.message}")
    return event
