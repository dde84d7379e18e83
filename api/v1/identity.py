"""``POST /api/v1/identity/match``: is a new record (a web sign-up, an e-mail contact) a customer we know?

An e-mail equal to a golden record's is a match. Otherwise the customers whose names sort next to the
record's (sharing its first three letters) are scored on name similarity, plus phone, postcode and city
agreement: a near-certain one is a match, likely ones are candidates. Only customers in the caller's scope
are considered, through the indexed name and e-mail columns (a few index seeks of a few rows each, and no
personal data decrypted but a phone to compare), so it answers in milliseconds on a million customers.
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
NEIGHBOURS = 20  # customers read on each side of the record's name, per casing of it
BONUS = {"phone": 0.3, "postcode": 0.15, "city": 0.05}
c = dim_customer
COLUMNS = (c.c.customer_key, c.c.name, c.c.postcode, c.c.city)  # no personal data to decrypt
PHONE_COLUMNS = (*COLUMNS, c.c.phone)  # decrypted only when the record has a phone to compare


def _digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())[-9:]


def canonical_email(text: str | None) -> str | None:
    """The address as the pipeline stores it, or None when it is not an address."""
    try:
        return quality.email(text)
    except quality.InvalidValue:
        return None


def neighbour_queries(viewer: Viewer, name: str, phone: bool = False) -> list[sa.Select[Any]]:
    """The customers whose names sort next to the record's (each usual casing of it, both ways), among those
    sharing its first three letters: one index seek each, however many customers share the prefix."""
    name = name.strip()
    stem = name[:3]
    columns = PHONE_COLUMNS if phone else COLUMNS
    queries = []
    for variant in dict.fromkeys((name, name.title(), name.upper(), name.lower())):
        low, high = variant[:3], variant[:3] + "\uffff"
        if not stem:
            continue
        scoped = sa.select(*columns).where(customer_scope(viewer))
        queries.append(
            scoped.where(c.c.name >= variant, c.c.name < high).order_by(c.c.name).limit(NEIGHBOURS)
        )
        queries.append(
            scoped.where(c.c.name >= low, c.c.name < variant).order_by(c.c.name.desc()).limit(NEIGHBOURS)
        )
    return queries


def score(record: dict[str, Any], row: dict[str, Any], floor: float = 0.0) -> tuple[float, list[str]]:
    """How alike a record and a customer are (0..1), and why; 0 at once when even the names' quick upper bound
    with every bonus the record could earn stays below ``floor``."""
    reasons: list[str] = []
    ours, theirs = normalise_business_name(record.get("name")), normalise_business_name(row.get("name"))
    if not (ours and theirs):
        total = 0.0
    else:
        matcher, reach = difflib.SequenceMatcher(None, ours, theirs), floor - max_bonus(record)
        if matcher.real_quick_ratio() < reach or matcher.quick_ratio() < reach:  # upper bounds of ratio()
            return 0.0, []
        total = matcher.ratio()
    if total > 0.85:
        reasons.append("name")
    phone = _digits(record.get("phone"))
    if phone and len(phone) >= 6 and phone == _digits(row.get("phone")):
        total, reasons = total + BONUS["phone"], [*reasons, "phone"]
    postcode = normalise_postcode(record.get("postcode"), None)
    if postcode and postcode == normalise_postcode(row.get("postcode"), None):
        total, reasons = total + BONUS["postcode"], [*reasons, "postcode"]
    city = (record.get("city") or "").strip().lower()
    if city and city == str(row.get("city") or "").strip().lower():
        total, reasons = total + BONUS["city"], [*reasons, "city"]
    return min(total, 1.0), reasons


def max_bonus(record: dict[str, Any]) -> float:
    """The most the record's phone, postcode and city can add to a name's similarity."""
    return sum(bonus for field, bonus in BONUS.items() if (record.get(field) or "").strip())


def match(record: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """``matched`` with the golden id, ``candidates`` with up to five, or ``none``."""
    warehouse = api_context().warehouse
    email = canonical_email(record.get("email"))
    if email:
        rows = warehouse.rows(
            sa.select(c.c.customer_key, c.c.name)
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
    near: dict[int, dict[str, Any]] = {}
    with warehouse.engine.connect() as conn:
        for query in neighbour_queries(viewer, str(record["name"]), bool(_digits(record.get("phone")))):
            near.update((int(r.customer_key), dict(r._mapping)) for r in conn.execute(query))
    for row in near.values():
        value, reasons = score(record, row, CANDIDATE_SCORE)
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
