"""Whose customer a lead or interaction written through the API is for, and whether the caller may write it.

``warehouse.policy`` decides (a sales rep writes as their own owner, and names by ``customer_key`` only their
own customers: another rep's answers 404, exactly as a key that does not exist). A record that only *resembles*
a customer (its company, name or e-mail) is not looked up here: a sales rep's write is answered alike whether
or not it matches a customer they cannot see, and lands marked with the rep's scope
(``pipeline.api_writes.SCOPE``), so the batch's identity resolution links it but lets it change no customer of
another rep (``pipeline.identity.scoped``); a data steward decides what it belongs to.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_smorest import abort

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, may_write_customer, write_owner
from warehouse.schema import dim_customer, dim_sales_rep

logger = logging.getLogger(__name__)

NO_CUSTOMER = "no such customer"
SCOPE_FIELD = "rep_scope"  # set here only (no request schema has it): the rep whose book bounds the write


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
    missing: str = NO_CUSTOMER,
) -> dict[str, Any]:
    """``body`` completed for writing (the named customer's name and e-mail filled in, the owner and a sales
    rep's scope set), or an abort: 404 (``missing``) when ``customer_key`` names a customer ``viewer`` may not
    write, 422 for another owner. Nothing else about other customers is read, so nothing of them shows."""
    if viewer.role == "sales_rep" and viewer.rep_key is None:
        abort(403, message="your account is not linked to a sales rep, so it has no customers to write for")
    named: Customer | None = None
    if body.get("customer_key") is not None:
        named = customer(warehouse, int(body["customer_key"]))
        if named is None or not may_write_customer(viewer, named.rep_key):
            details = {"json": {"customer_key": [NO_CUSTOMER]}} if missing == NO_CUSTOMER else None
            abort(404, message=missing, errors=details)
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
    completed[SCOPE_FIELD] = None if viewer.all_customers else owner  # a manager's change vouches for it
    return completed
