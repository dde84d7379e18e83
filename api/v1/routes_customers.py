"""``/api/v1/customers``: search with filters, sort and cursor pages; the Customer 360 profile, documents,
timeline and next best action of one customer. A customer outside the caller's scope is a 404, like a
missing one, and personal data is masked for roles without access to it (:mod:`warehouse.policy`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint, abort

from api.v1 import schemas
from api.v1.context import api_context, current_principal
from api.v1.cursor import CursorError, decode, encode
from api.v1.page_cache import cached_rows
from api.v1.queries import (
    SORTS,
    customer_page_query,
    next_actions_query,
    page_plan,
    plain_row,
    timeline_query,
    transactions_query,
)
from warehouse.policy import customer_scope, mask_rows
from warehouse.profile import customer_profile
from warehouse.schema import dim_customer, mart_customer_score

blp = Blueprint(
    "customers", __name__, url_prefix="/api/v1", description="Customers and the Customer 360 profile"
)


def _cursor_key() -> bytes:
    return hashlib.sha256(b"cursor:" + api_context().keys.keys[api_context().keys.current]).digest()


@blp.route("/customers", endpoint="list", methods=["GET"])
@blp.arguments(schemas.CustomerQuerySchema, location="query")
@blp.response(200, schemas.CustomerPageSchema)
def list_customers(args: dict[str, Any]) -> dict[str, Any]:
    """Customers the caller may read, filtered and sorted; follow ``next_cursor`` for the next page (a page read
    before is answered from the worker's page cache until the warehouse's data changes)."""
    viewer = current_principal().viewer
    sort, limit = args["sort"], args["limit"]
    after = None
    if args.get("cursor"):
        try:
            after = decode(_cursor_key(), sort, args["cursor"])
        except CursorError as e:
            abort(400, message=str(e), errors={"query": {"cursor": [str(e)]}})
    context = api_context()
    warehouse = context.warehouse

    def read() -> list[dict[str, Any]]:
        plan = page_plan(warehouse, viewer, args)
        return warehouse.rows(customer_page_query(viewer, args, sort, after, limit + 1, plan))

    try:
        rows = cached_rows(context, warehouse, viewer, args, after, read)
    except PermissionError as e:
        abort(400, message=str(e), errors={"query": {"email": [str(e)]}})
    more, rows = len(rows) > limit, rows[:limit]
    column = sort.lstrip("-")
    next_cursor = (
        encode(_cursor_key(), sort, rows[-1][column], int(rows[-1]["customer_key"])) if more else None
    )
    return {
        "items": [plain_row(r) for r in mask_rows(viewer, rows)],
        "next_cursor": next_cursor,
        "limit": limit,
    }


def _readable(customer_key: int) -> None:
    """404 unless the customer exists and the caller may read it."""
    viewer = current_principal().viewer
    found = api_context().warehouse.scalar(
        sa.select(sa.func.count()).where(dim_customer.c.customer_key == customer_key, customer_scope(viewer))
    )
    if not found:
        abort(404, message="no such customer")


@blp.route("/customers/<int(max=2147483647):customer_key>", endpoint="profile", methods=["GET"])
@blp.response(200, schemas.ProfileSchema)
def profile(customer_key: int) -> dict[str, Any]:
    """The Customer 360 profile: the golden record, where each value came from, its source records and history."""
    viewer = current_principal().viewer
    warehouse = api_context().warehouse
    found = customer_profile(warehouse, customer_key, viewer)
    if found is None:
        abort(404, message="no such customer")
    assert found is not None  # abort raised otherwise  # nosec B101
    scores = warehouse.rows(
        sa.select(mart_customer_score).where(mart_customer_score.c.customer_key == customer_key)
    )
    return {
        "customer": plain_row(found.customer),
        "provenance": {f: plain_row(p) for f, p in found.provenance.items()},
        "records": [plain_row(r) for r in found.records],
        "events": [plain_row(e) for e in found.events],
        "scores": plain_row(scores[0]) if scores else None,
    }


def _date(date_key: int | None) -> str | None:
    if date_key is None:
        return None
    return dt.date(date_key // 10000, date_key // 100 % 100, date_key % 100).isoformat()


@blp.route(
    "/customers/<int(max=2147483647):customer_key>/transactions", endpoint="transactions", methods=["GET"]
)
@blp.arguments(schemas.LimitSchema, location="query")
@blp.response(200, schemas.TransactionSchema(many=True))
def transactions(args: dict[str, Any], customer_key: int) -> list[dict[str, Any]]:
    """The customer's invoices and sales receipts, newest first, with their totals in the home currency."""
    _readable(customer_key)
    rows = api_context().warehouse.rows(transactions_query(customer_key, args["limit"]))
    return [plain_row(r) | {"date": _date(r["date_key"]), "amount": float(r["amount"] or 0)} for r in rows]


@blp.route("/customers/<int(max=2147483647):customer_key>/timeline", endpoint="timeline", methods=["GET"])
@blp.arguments(schemas.LimitSchema, location="query")
@blp.response(200, schemas.TimelineItemSchema(many=True))
def timeline(args: dict[str, Any], customer_key: int) -> list[dict[str, Any]]:
    """Calls, e-mails, visits, complaints and social posts of the customer, newest first."""
    _readable(customer_key)
    return [plain_row(r) for r in api_context().warehouse.rows(timeline_query(customer_key, args["limit"]))]


@blp.route(
    "/customers/<int(max=2147483647):customer_key>/next-best-action", endpoint="next_action", methods=["GET"]
)
@blp.response(200, schemas.NextActionSchema)
def next_action(customer_key: int) -> dict[str, Any]:
    """The one action the models suggest for this customer now (404 when there is none)."""
    rows = api_context().warehouse.rows(next_actions_query(current_principal().viewer, customer_key, 1))
    if not rows:
        abort(404, message="no such customer, or no action suggested")
    return plain_row(rows[0])


__all__ = ["SORTS", "blp"]
