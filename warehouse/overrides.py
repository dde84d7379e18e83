"""A data steward's override of a golden value: stored, applied to the profile at once, audited, and
re-applied by every later batch (``pipeline.steps.core``), so the next run does not undo it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse import audit
from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope
from warehouse.schema import dim_customer, golden_field, golden_override

logger = logging.getLogger(__name__)

#: Golden fields a steward may set, with their labels.
OVERRIDABLE: Final = {
    "company_name": "Name",
    "email": "E-mail",
    "phone": "Phone",
    "street": "Street",
    "city": "Town",
    "region": "Region",
    "postcode": "Postcode",
    "website": "Website",
    "instagram_handle": "Instagram",
    "segment": "Segment",
}
#: Roles that may override golden values.
STEWARD_ROLES: Final = frozenset({"data_steward", "admin"})
OVERRIDE_SOURCE: Final = "steward"
OVERRIDE_RULE: Final = "steward_override"
#: The extra golden fields an override also sets (the company name is the customer's name).
ALSO_SETS: Final = {"company_name": ("name",)}


class OverrideError(ValueError):
    """An override was refused: the message names the field and the rule it broke."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def may_override(viewer: Viewer) -> bool:
    return viewer.role in STEWARD_ROLES


def overrides(conn: Connection) -> dict[int, dict[str, dict[str, Any]]]:
    """Every override, per customer key and field (value, reason, set_by, set_at)."""
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for r in conn.execute(sa.select(golden_override)).mappings():
        out.setdefault(int(r["customer_key"]), {})[r["field"]] = dict(r)
    return out


def customer_overrides(warehouse: Warehouse, customer_key: int) -> dict[str, dict[str, Any]]:
    """The overrides of one customer, per field."""
    rows = warehouse.rows(sa.select(golden_override).where(golden_override.c.customer_key == customer_key))
    return {r["field"]: r for r in rows}


def set_override(
    warehouse: Warehouse,
    viewer: Viewer,
    customer_key: int,
    field: str,
    value: str,
    reason: str,
    address: str | None = None,
    now: Callable[[], dt.datetime] = _utcnow,
) -> None:
    """Set ``field`` of customer ``customer_key`` to ``value`` for good; audited in the same transaction.

    Raises OverrideError when the viewer may not, the field is not overridable, the value or the reason is
    empty, or the customer does not exist for this viewer.
    """
    value, reason = value.strip(), reason.strip()
    if not may_override(viewer):
        raise OverrideError(f"{viewer.username} ({viewer.role}) may not override golden values")
    if field not in OVERRIDABLE:
        raise OverrideError(f"field {field!r} cannot be overridden; choose one of {sorted(OVERRIDABLE)}")
    if not value:
        raise OverrideError(f"{OVERRIDABLE[field]}: a value is required")
    if not reason:
        raise OverrideError(f"{OVERRIDABLE[field]}: say why the value is overridden")
    at = now()
    with warehouse.begin() as conn:
        old = conn.execute(
            sa.select(dim_customer.c[field]).where(
                dim_customer.c.customer_key == customer_key, customer_scope(viewer)
            )
        ).first()
        if old is None:
            raise OverrideError(f"there is no customer {customer_key}")
        conn.execute(
            golden_override.delete().where(
                golden_override.c.customer_key == customer_key, golden_override.c.field == field
            )
        )
        conn.execute(
            golden_override.insert().values(
                customer_key=customer_key,
                field=field,
                value=value[:300],
                reason=reason[:300],
                set_by=viewer.username,
                set_at=at,
            )
        )
        _apply_now(conn, customer_key, field, value, viewer.username)
        audit.append(
            conn,
            viewer.username,
            "customer.override",
            f"dim_customer:{customer_key}",
            audit.detail_json(field=field, old=old[0], new=value, reason=reason),
            address,
            at,
        )
    logger.info("customer %s: %s overridden by %s", customer_key, field, viewer.username)


def _apply_now(conn: Connection, customer_key: int, field: str, value: str, username: str) -> None:
    """The golden record and its provenance show the override straight away (the next batch keeps it)."""
    columns = {field: value} | {extra: value for extra in ALSO_SETS.get(field, ())}
    conn.execute(dim_customer.update().where(dim_customer.c.customer_key == customer_key).values(**columns))
    for name in columns:
        conn.execute(
            golden_field.delete().where(
                golden_field.c.customer_key == customer_key, golden_field.c.field == name
            )
        )
        conn.execute(
            golden_field.insert().values(
                customer_key=customer_key,
                field=name,
                value=value[:300],
                source=OVERRIDE_SOURCE,
                source_key=username,
                rule=OVERRIDE_RULE,
                candidates=1,
            )
        )
