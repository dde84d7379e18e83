"""``POST /api/v1/identity/match``: is a new record (a web sign-up, an e-mail contact) a customer we know?

An e-mail equal to a golden record's is a match. Otherwise customers whose name starts like the
record's are scored on name similarity, plus phone, postcode and city agreement: a near-certain one is
a match, likely ones are candidates. Only customers in the caller's scope are considered, through the
indexed name and e-mail columns, so it answers in milliseconds on a large warehouse.
"""

from __future__ import annotations

import difflib
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint

from api.v1 import schemas
from api.v1.context import api_context, current_principal
from pipeline.identity.standardise import normalise_business_name, normalise_postcode
from pipeline.quality import standardise as quality
from warehouse.policy import Viewer, customer_scope
from warehouse.schema import dim_customer
from warehouse.schema.encrypted import hash_matches

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Identity match for a new record")

MATCH_SCORE = 0.92
CANDIDATE_SCORE = 0.5
CANDIDATES = 5
NAME_ROWS = 200
c = dim_customer
COLUMNS = (c.c.customer_key, c.c.name, c.c.email, c.c.phone, c.c.postcode, c.c.city)


def _digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())[-9:]


def canonical_email(text: str | None) -> str | None:
    """The address as the pipeline stores it, or None when it is not an address."""
    try:
        return quality.email(text)
    except quality.InvalidValue:
        return None


def name_prefix_query(viewer: Viewer, name: str) -> sa.Select[Any]:
    """Customers whose name starts with the record's first three letters (any of the usual casings)."""
    stem = name.strip()[:3]
    variants = {stem, stem.title(), stem.upper(), stem.lower()}
    ranges = [sa.and_(c.c.name >= v, c.c.name < v + "\uffff") for v in variants if v]
    return sa.select(*COLUMNS).where(sa.or_(*ranges), customer_scope(viewer)).limit(NAME_ROWS)


def score(record: dict[str, Any], row: dict[str, Any]) -> tuple[float, list[str]]:
    """How alike a record and a customer are (0..1), and why."""
    reasons: list[str] = []
    ours, theirs = normalise_business_name(record.get("name")), normalise_business_name(row.get("name"))
    total = difflib.SequenceMatcher(None, ours or "", theirs or "").ratio() if ours and theirs else 0.0
    if total > 0.85:
        reasons.append("name")
    phone = _digits(record.get("phone"))
    if phone and len(phone) >= 6 and phone == _digits(row.get("phone")):
        total, reasons = total + 0.3, [*reasons, "phone"]
    postcode = normalise_postcode(record.get("postcode"), None)
    if postcode and postcode == normalise_postcode(row.get("postcode"), None):
        total, reasons = total + 0.15, [*reasons, "postcode"]
    city = (record.get("city") or "").strip().lower()
    if city and city == str(row.get("city") or "").strip().lower():
        total, reasons = total + 0.05, [*reasons, "city"]
    return min(total, 1.0), reasons


def match(record: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """``matched`` with the golden id, ``candidates`` with up to five, or ``none``."""
    warehouse = api_context().warehouse
    email = canonical_email(record.get("email"))
    if email:
        rows = warehouse.rows(
            sa.select(*COLUMNS)
            .where(hash_matches(c.c.email_hash, "email", email), customer_scope(viewer))
            .limit(2)
        )
        if rows:
            key = int(rows[0]["customer_key"])
            candidate = {"customer_key": key, "name": rows[0]["name"], "score": 1.0, "reasons": ["email"]}
            return {"status": "matched", "customer_key": key, "candidates": [candidate]}
    if not (record.get("name") or "").strip():
        return {"status": "none", "customer_key": None, "candidates": []}
    scored = []
    for row in warehouse.rows(name_prefix_query(viewer, str(record["name"]))):
        value, reasons = score(record, row)
        if value >= CANDIDATE_SCORE:
            scored.append(
                {
                    "customer_key": int(row["customer_key"]),
                    "name": row["name"],
                    "score": round(value, 3),
                    "reasons": reasons,
                }
            )
    scored.sort(key=lambda s: (-s["score"], s["customer_key"]))
    best = scored[:CANDIDATES]
    if best and best[0]["score"] >= MATCH_SCORE and (len(best) == 1 or best[1]["score"] < MATCH_SCORE):
        return {"status": "matched", "customer_key": best[0]["customer_key"], "candidates": best}
    return {"status": "candidates" if best else "none", "customer_key": None, "candidates": best}


@blp.route("/identity/match", endpoint="match", methods=["POST"])
@blp.arguments(schemas.MatchRequestSchema)
@blp.response(200, schemas.MatchSchema)
def match_record(body: dict[str, Any]) -> dict[str, Any]:
    """The golden customer a new record belongs to, or the likely candidates."""
    return match(body, current_principal().viewer)
