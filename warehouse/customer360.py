"""Customer 360 reads beyond the golden record: purchase history with products and categories, related
customers, and why each source record joined the customer, in words.

Every read is scoped by the policy: a customer the viewer may not read has no purchases, and related
customers the viewer may not read are left out of their relationships.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any, Final

import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.policy import Viewer, customer_scope
from warehouse.schema import customer_relationship, dim_customer, dim_date, dim_product, fact_sales_line

logger = logging.getLogger(__name__)

UNKNOWN_PRODUCT: Final = "Unlisted item"
RELATIONSHIP_LABELS: Final = {
    "shared_address": "same address",
    "shared_phone": "same phone",
    "web_domain": "same web domain",
    "shared_contact": "shared contact or director",
    "referral": "referral",
    "instagram_mention": "mentions on Instagram",
}
#: Below this probability a probabilistic match is described by what agrees, without its score.
SHOWN_SCORE: Final = 0.9
_PROBABILITY: Final = re.compile(r"p=([0-9.]+)")


def purchases_query(customer_key: int, viewer: Viewer | None = None, limit: int = 100) -> sa.Select[Any]:
    """The customer's sales lines, newest first, with product and category."""
    s, p, d = fact_sales_line, dim_product, dim_date
    scope = sa.true() if viewer is None else customer_scope(viewer, s.c.customer_key)
    return (
        sa.select(
            d.c.day,
            s.c.doc_type,
            s.c.doc_key,
            sa.func.coalesce(p.c.name, UNKNOWN_PRODUCT).label("product"),
            sa.func.coalesce(p.c.category, "Unknown").label("category"),
            s.c.quantity,
            s.c.amount,
        )
        .join(d, d.c.date_key == s.c.date_key)
        .outerjoin(p, p.c.product_key == s.c.product_key)
        .where(s.c.customer_key == customer_key, scope)
        .order_by(s.c.date_key.desc(), s.c.doc_key.desc(), s.c.line_no)
        .limit(limit)
    )


def categories_query(customer_key: int, viewer: Viewer | None = None) -> sa.Select[Any]:
    """Revenue, units and documents per product category for one customer, largest first."""
    s, p = fact_sales_line, dim_product
    scope = sa.true() if viewer is None else customer_scope(viewer, s.c.customer_key)
    category = sa.func.coalesce(p.c.category, "Unknown")
    columns: list[Any] = [
        category.label("category"),
        sa.func.sum(s.c.amount).label("revenue"),
        sa.func.sum(s.c.quantity).label("units"),
        sa.func.count(sa.distinct(s.c.doc_key)).label("orders"),
    ]
    return (
        sa.select(*columns)
        .outerjoin(p, p.c.product_key == s.c.product_key)
        .where(s.c.customer_key == customer_key, scope)
        .group_by(category)
        .order_by(sa.func.sum(s.c.amount).desc(), category)
    )


def purchase_history(
    warehouse: Warehouse, customer_key: int, viewer: Viewer | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(newest sales lines, totals per category) of one customer."""
    lines = warehouse.rows(purchases_query(customer_key, viewer, limit))
    return lines, warehouse.rows(categories_query(customer_key, viewer))


#: The related customer's side of a pair: one alias for every query (aliasing the wide table per request
#: built a proxy of each of its columns every time).
_OTHER: Final = dim_customer.alias("other")


def relationships_query(customer_key: int, viewer: Viewer | None = None) -> sa.Select[Any]:
    """Customers related to ``customer_key`` (either side of a pair), strongest first, with their names."""
    r, other = customer_relationship, _OTHER
    other_key = sa.case(
        (r.c.customer_key_a == customer_key, r.c.customer_key_b), else_=r.c.customer_key_a
    ).label("other_key")
    scope = sa.true() if viewer is None else customer_scope(viewer, other.c.customer_key)
    return (
        sa.select(other_key, other.c.name, other.c.city, r.c.kind, r.c.strength, r.c.evidence)
        .join(other, other.c.customer_key == other_key)
        .where((r.c.customer_key_a == customer_key) | (r.c.customer_key_b == customer_key), scope)
        .order_by(r.c.strength.desc(), other_key, r.c.kind)
    )


def related_customers(
    warehouse: Warehouse, customer_key: int, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    """The customer's relationships the viewer may see (none when they may not read the customer)."""
    if viewer is not None:
        allowed = warehouse.rows(
            sa.select(dim_customer.c.customer_key).where(
                dim_customer.c.customer_key == customer_key, customer_scope(viewer)
            )
        )
        if not allowed:
            return []
    return warehouse.rows(relationships_query(customer_key, viewer))


# --- why a record joined, in words -------------------------------------------------------------------


def _digits(value: Any) -> str:
    return "".join(c for c in str(value or "") if c.isdigit())[-10:]


def _name(record: Mapping[str, Any]) -> str:
    raw = record.get("company_name") or record.get("display_name") or ""
    return " ".join(re.sub(r"[^\w ]", " ", str(raw).casefold()).split())


def _agreements(record: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> list[str]:
    """What ``record`` shares with the customer's other records, strongest evidence first."""
    found: list[str] = []

    def same(field: str, norm: Any = lambda v: str(v or "").strip().casefold()) -> bool:
        mine = norm(record.get(field))
        return bool(mine) and any(norm(o.get(field)) == mine for o in others)

    if same("email"):
        found.append("same e-mail")
    if same("phone", _digits) or same("mobile", _digits):
        found.append("same phone")
    name = _name(record)
    if name:
        best = max((SequenceMatcher(None, name, _name(o)).ratio() for o in others if _name(o)), default=0.0)
        if best == 1.0:
            found.append("same name")
        elif best >= 0.8:
            found.append("similar name")
    if same("postcode", lambda v: str(v or "").replace(" ", "").casefold()):
        found.append("same postcode")
    if same("website", lambda v: re.sub(r"^(https?://)?(www\.)?", "", str(v or "").casefold()).rstrip("/")):
        found.append("same website")
    if same("instagram_handle", lambda v: str(v or "").lstrip("@").casefold()):
        found.append("same Instagram account")
    return found


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def match_reason(record: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> str:
    """Why ``record`` (with its ``match_rule``) belongs to the customer whose other records are ``others``."""
    rule = str(record.get("match_rule") or "")
    agree = _agreements(record, others)
    if not others or rule in {"single", "new"}:
        return "the customer's first record" if not others else "joined on its own details"
    if rule == "steward":
        return "confirmed by a data steward" + (f" ({_join(agree)})" if agree else "")
    if rule.startswith("rule:"):
        what = rule.removeprefix("rule:").replace("_", " ")
        exact = {"email": "same e-mail", "phone": "same phone"}.get(what, f"same {what}")
        rest = [a for a in agree if a != exact]
        return _join([exact, *rest[:1]])
    probability = _PROBABILITY.search(rule)
    words = _join(agree[:3]) if agree else "several details partly agree"
    if probability and float(probability.group(1)) >= SHOWN_SCORE:
        return f"{words} (score {float(probability.group(1)):.2f})"
    return f"{words}; likely the same customer"


def match_reasons(records: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """For each of a customer's records, by (source, source_key), why it joined, in words."""
    out = {}
    for i, record in enumerate(records):
        others = [r for j, r in enumerate(records) if j != i]
        out[(str(record["source"]), str(record["source_key"]))] = match_reason(record, others)
    return out
