"""Whose customer a lead or interaction written through the API is for, and whether the caller may write it.

``warehouse.policy`` decides (a sales rep writes only for their own customers and as their own owner). The
customer is the one the body names (``customer_key``), the one its name or e-mail surely matches (the identity
match, over every customer), and, for a change, the one the batch already linked the record to. Another rep's
customer answers 404, as reading it does: the answer holds none of its data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_smorest import abort

from api.v1 import identity
from api.v1.landing import SOURCE
from warehouse.engine import Warehouse
from warehouse.policy import Viewer, may_write_customer, write_owner
from warehouse.schema import customer_xref, dim_customer, dim_sales_rep

logger = logging.getLogger(__name__)

NO_CUSTOMER = "no such customer"
EVERY_CUSTOMER = Viewer("write-scope", "admin")  # to find whose customer a record is, not to show it


@dataclass(frozen=True)
class Customer:
    customer_key: int
    name: str | None
    email: str | None
    rep_key: int | None


@dataclass(frozen=True)
class Fields:
    """The body's field names for the record's name, e-mail and owner (a lead's ``company`` ...)."""

    name: str
    email: str
    owner: str


LEAD = Fields("company", "email", "owner")
INTERACTION = Fields("account", "email", "rep")


def customer(warehouse: Warehouse, key: int) -> Customer | None:
    """The golden customer ``key``, or None."""
    c = dim_customer.c
    rows = warehouse.rows(sa.select(c.customer_key, c.name, c.email, c.rep_key).where(c.customer_key == key))
    if not rows:
        return None
    r = rows[0]
    return Customer(int(r["customer_key"]), r["name"], r["email"], r["rep_key"])


def matched_customer(warehouse: Warehouse, body: Mapping[str, Any], names: Fields) -> Customer | None:
    """The customer the identity match surely finds for the record's name and e-mail (candidates are not)."""
    record = {"name": body.get(names.name), "email": body.get(names.email), "phone": body.get("phone")}
    record["city"] = body.get("town")
    found = identity.match(record, EVERY_CUSTOMER)
    return customer(warehouse, int(found["customer_key"])) if found["status"] == "matched" else None


def linked_customer(warehouse: Warehouse, source_key: str) -> Customer | None:
    """The customer a batch linked a record written through the API to, or None before its first batch."""
    x = customer_xref.c
    key = warehouse.scalar(sa.select(x.customer_key).where(x.source == SOURCE, x.source_key == source_key))
    return customer(warehouse, int(key)) if key is not None else None


def rep_name(warehouse: Warehouse, rep_key: int | None) -> str | None:
    if rep_key is None:
        return None
    name = warehouse.scalar(sa.select(dim_sales_rep.c.name).where(dim_sales_rep.c.rep_key == rep_key))
    return str(name) if name is not None else None


def scoped_write(
    warehouse: Warehouse,
    viewer: Viewer,
    body: Mapping[str, Any],
    names: Fields,
    linked: Customer | None = None,
    missing: str = NO_CUSTOMER,
) -> dict[str, Any]:
    """``body`` completed for writing (the named customer's name and e-mail filled in, the owner set), or an
    abort: 404 (``missing``) when the record is for a customer ``viewer`` may not write, 422 for another owner."""
    if viewer.role == "sales_rep" and viewer.rep_key is None:
        abort(403, message="your account is not linked to a sales rep, so it has no customers to write for")
    named: Customer | None = None
    if body.get("customer_key") is not None:
        named = customer(warehouse, int(body["customer_key"]))
        if named is None or not may_write_customer(viewer, named.rep_key):
            details = {"json": {"customer_key": [NO_CUSTOMER]}} if missing == NO_CUSTOMER else None
            abort(404, message=missing, errors=details)
    for other in (linked, matched_customer(warehouse, body, names)):
        if other is not None and not may_write_customer(viewer, other.rep_key):
            logger.info("api: %s may not write for customer %d", viewer.username, other.customer_key)
            abort(404, message=missing)
    completed = dict(body)
    if named is not None:
        completed[names.name] = completed.get(names.name) or named.name
        completed[names.email] = completed.get(names.email) or named.email
    allowed, owner = write_owner(viewer, rep_name(warehouse, viewer.rep_key), body.get(names.owner))
    if not allowed:
        message = f"{names.owner}: a sales rep records themselves as the owner"
        abort(422, message=message, errors={"json": {names.owner: [message]}})
    if owner is not None:
        completed[names.owner] = owner
    return completed
