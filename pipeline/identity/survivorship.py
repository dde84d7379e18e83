"""Survivorship: which record's value becomes each field of a golden customer, and by which rule.

Rules, per field (``FIELD_RULES``):
    source_priority  the value of the most trusted kind of record (accounting record, then the sales
                     team's sheet, directory listing, Instagram profile, activity contact), newest first;
    most_recent      the most recently updated record's value (contact details people change);
    most_frequent    the value most records agree on (ties: source priority).
Every chosen value is returned with the record it came from, so a profile can show its provenance.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

logger = logging.getLogger(__name__)

ENTITY_PRIORITY: Final = {"Customer": 0, "Lead": 1, "Listing": 2, "Profile": 3, "Contact": 4}
FIELD_RULES: Final = {
    "company_name": "source_priority",
    "display_name": "source_priority",
    "given_name": "source_priority",
    "family_name": "source_priority",
    "email": "most_recent",
    "phone": "most_recent",
    "street": "source_priority",
    "city": "source_priority",
    "region": "source_priority",
    "postcode": "source_priority",
    "country": "source_priority",
    "website": "source_priority",
    "instagram_handle": "source_priority",
    "segment": "most_frequent",
    "sales_rep": "most_frequent",
}
# How much each field counts towards a profile's completeness (weights sum to 1).
COMPLETENESS_WEIGHTS: Final = {
    "name": 0.15, "email": 0.15, "phone": 0.15, "street": 0.1, "city": 0.1, "postcode": 0.1,
    "region": 0.05, "contact_name": 0.05, "website": 0.05, "segment": 0.05, "sales_rep": 0.05,
}  # fmt: skip


@dataclass(frozen=True)
class Chosen:
    field: str
    value: Any
    source: str
    source_key: str
    rule: str
    candidates: int


def _priority(record: Mapping[str, Any]) -> tuple[int, float, str, str]:
    updated = record.get("updated_at") or record.get("created_at")
    stamp = updated.timestamp() if isinstance(updated, dt.datetime) else 0.0
    return (
        ENTITY_PRIORITY.get(record.get("entity") or "", 9),
        -stamp,
        record["source"],
        record["source_key"],
    )


def _recency(record: Mapping[str, Any]) -> tuple[float, int, str, str]:
    p = _priority(record)
    return (p[1], p[0], p[2], p[3])


def survive(records: Sequence[Mapping[str, Any]]) -> dict[str, Chosen]:
    """The golden value of every field for one customer's records (fields no record has are left out)."""
    chosen: dict[str, Chosen] = {}
    by_priority = sorted(records, key=_priority)
    by_recency = sorted(records, key=_recency)
    for field, rule in FIELD_RULES.items():
        offered = [r for r in by_priority if r.get(field) not in (None, "")]
        if not offered:
            continue
        if rule == "most_recent":
            winner = next(r for r in by_recency if r.get(field) not in (None, ""))
        elif rule == "most_frequent":
            votes = Counter(r[field] for r in offered)
            top = max(votes.values())
            winner = next(r for r in offered if votes[r[field]] == top)  # ties: source priority
        else:
            winner = offered[0]
        chosen[field] = Chosen(
            field, winner[field], winner["source"], winner["source_key"], rule, len(offered)
        )
    return chosen


def completeness(profile: Mapping[str, Any]) -> float:
    """Weighted share of profile fields that have a value, 0..1."""
    score = sum(w for f, w in COMPLETENESS_WEIGHTS.items() if profile.get(f) not in (None, ""))
    return round(score, 4)


def group_records(rows: Iterable[Mapping[str, Any]]) -> dict[int, list[Mapping[str, Any]]]:
    """Rows carrying ``customer_key`` grouped per customer."""
    groups: dict[int, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(int(row["customer_key"]), []).append(row)
    return groups
