"""Row and column security: which customers a portal user may read and which of their fields they see.

One :class:`Viewer` per request (built from the signed-in ``PortalUser``). Queries add
:func:`customer_scope` to their WHERE clause; rows leave through :func:`mask_record` /
:func:`mask_rows` / :func:`mask_frame`. The matrix (docs/security.md, "Row and column security"):

* rows: a sales rep reads the customers and prospects whose golden record names them
  (``dim_customer.rep_key``); a rep without a linked ``rep_key`` reads none; every other role reads all.
* writes (leads and interactions through the API): a role writes for the customers it reads; a sales rep
  only for their own, and the records they add name them as owner (:func:`may_write_customer`,
  :func:`write_owner`).
* columns: e-mail, phone, mobile, street, shipping address, postcode and Instagram handle are personal
  data; ``analyst`` and ``marketing`` see them masked (``j•••@example.com``), every other role in clear.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from warehouse.schema import dim_customer

if TYPE_CHECKING:
    import pandas as pd

    from warehouse.users import PortalUser

logger = logging.getLogger(__name__)

MASK = "•••"
#: Roles that read every customer row; any other role reads only the customers whose record names them.
ALL_CUSTOMER_ROLES: frozenset[str] = frozenset({"admin", "manager", "analyst", "marketing", "data_steward"})
#: Roles that read personal data in clear; any other role gets it masked.
PII_ROLES: frozenset[str] = frozenset({"admin", "manager", "sales_rep", "data_steward"})
#: Roles that read and export the audit log.
AUDIT_ROLES: frozenset[str] = frozenset({"admin"})
#: Personal-data fields, as named in dim_customer, stg_customer and golden_field.
PII_FIELDS: frozenset[str] = frozenset(
    {"email", "phone", "mobile", "street", "ship_address", "postcode", "instagram_handle"}
)


@dataclass(frozen=True)
class Viewer:
    """Who is reading: the policy needs their name (for the audit), role and linked sales rep."""

    username: str
    role: str
    rep_key: int | None = None

    @classmethod
    def of(cls, user: PortalUser) -> Viewer:
        return cls(user.username, user.role, user.rep_key)

    @property
    def all_customers(self) -> bool:
        """Reads every customer row (not just the ones naming them)."""
        return self.role in ALL_CUSTOMER_ROLES

    @property
    def sees_pii(self) -> bool:
        """Reads personal data in clear."""
        return self.role in PII_ROLES

    @property
    def reads_audit(self) -> bool:
        return self.role in AUDIT_ROLES


def customer_scope(
    viewer: Viewer, key: sa.ColumnElement[Any] = dim_customer.c.customer_key
) -> sa.ColumnElement[bool]:
    """A WHERE term limiting rows whose customer key is ``key`` to the customers ``viewer`` may read.

    ``key`` may be any customer-key column (``mart_customer_kpi.customer_key`` ...): for a scoped role it
    is matched against the keys of ``dim_customer`` naming the viewer's rep, so no join is needed.
    """
    if viewer.all_customers:
        return sa.true()
    if viewer.role != "sales_rep" or viewer.rep_key is None:
        return sa.false()
    owned = sa.select(dim_customer.c.customer_key).where(dim_customer.c.rep_key == viewer.rep_key)
    if key is dim_customer.c.customer_key:
        return dim_customer.c.rep_key == viewer.rep_key
    return key.in_(owned.scalar_subquery())


def may_read_customer(viewer: Viewer, rep_key: int | None) -> bool:
    """Whether ``viewer`` may read a customer whose golden record names ``rep_key`` (for rows already read)."""
    if viewer.all_customers:
        return True
    return viewer.role == "sales_rep" and viewer.rep_key is not None and rep_key == viewer.rep_key


def may_write_customer(viewer: Viewer, rep_key: int | None) -> bool:
    """Whether ``viewer`` may add or change a lead or interaction of a customer whose record names ``rep_key``:
    the customers they read (a sales rep: their own)."""
    return may_read_customer(viewer, rep_key)


def write_owner(viewer: Viewer, own_name: str | None, named: str | None) -> tuple[bool, str | None]:
    """Whether ``viewer`` may record ``named`` as a record's owner, and the owner to record.

    Roles that read every customer record whom they name; a sales rep records themselves (``own_name``,
    their rep's name) and may not name another rep.
    """
    if viewer.all_customers:
        return True, named
    if own_name is None:
        return False, None
    if named is not None and named.strip().casefold() != own_name.casefold():
        return False, None
    return True, own_name


# --- masking ----------------------------------------------------------------------------------------


def mask_email(value: str) -> str:
    """``john@example.com`` -> ``j•••@example.com``."""
    local, at, domain = value.partition("@")
    if not at:
        return MASK
    return f"{local[:1]}{MASK}@{domain}"


def mask_phone(value: str) -> str:
    """``+44 7700 900123`` -> ``+44 ••• ••• 123`` (the country code and the last three digits stay)."""
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) < 6:
        return MASK
    prefix = ""
    if value.strip().startswith("+"):
        # E.164 country codes are 1-3 digits; the home country's (+44) and +1 are the common ones.
        code = "1" if digits.startswith("1") else digits[:2]
        prefix = f"+{code} "
    return f"{prefix}{MASK} {MASK} {digits[-3:]}"


def mask_postcode(value: str) -> str:
    """``SW1A 1AA`` -> ``SW1A •••`` (the district stays, the street-level part goes)."""
    outward, space, _ = value.strip().partition(" ")
    return f"{outward} {MASK}" if space and outward else MASK


def mask_handle(value: str) -> str:
    """``@john.smith`` -> ``@j•••``."""
    name = value.strip().lstrip("@")
    return f"@{name[:1]}{MASK}" if name else MASK


_MASKERS = {
    "email": mask_email,
    "phone": mask_phone,
    "mobile": mask_phone,
    "postcode": mask_postcode,
    "instagram_handle": mask_handle,
}


def mask_value(field: str, value: Any) -> Any:
    """``value`` of personal-data ``field`` masked; empty values and other fields unchanged."""
    if field not in PII_FIELDS or value is None or value == "":
        return value
    masker = _MASKERS.get(field)
    return masker(str(value)) if masker else MASK


def mask_record(viewer: Viewer, record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` as ``viewer`` may see it: personal-data fields masked for roles without PII access."""
    if viewer.sees_pii:
        return dict(record)
    return {k: mask_value(k, v) for k, v in record.items()}


def mask_rows(viewer: Viewer, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [mask_record(viewer, r) for r in rows]


def mask_frame(viewer: Viewer, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with its personal-data columns masked for roles without PII access."""
    if viewer.sees_pii:
        return frame.copy()
    out = frame.copy()
    for column in out.columns:
        if column in PII_FIELDS:
            out[column] = [mask_value(str(column), v) for v in out[column]]
    return out


def mask_provenance(viewer: Viewer, provenance: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Golden-field provenance (field -> value, source ...) with personal-data values masked."""
    if viewer.sees_pii:
        return {f: dict(p) for f, p in provenance.items()}
    return {f: dict(p) | {"value": mask_value(f, p.get("value"))} for f, p in provenance.items()}


def searchable_fields(viewer: Viewer) -> tuple[str, ...]:
    """The customer fields a search term may match: masked fields are not searchable (that would leak them)."""
    return ("name", "city", "email") if viewer.sees_pii else ("name", "city")


__all__ = [
    "ALL_CUSTOMER_ROLES",
    "AUDIT_ROLES",
    "MASK",
    "PII_FIELDS",
    "PII_ROLES",
    "Viewer",
    "customer_scope",
    "mask_frame",
    "mask_provenance",
    "mask_record",
    "mask_rows",
    "mask_value",
    "may_read_customer",
    "may_write_customer",
    "searchable_fields",
    "write_owner",
]
