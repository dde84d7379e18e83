"""Survivorship: which record's value becomes each field of a golden customer, and by which rule.

Rules, per field (``FIELD_RULES``):
    source_priority  the value of the most trusted kind of record (accounting record, then the sales
                     team's sheet, directory listing, Instagram profile, activity contact), newest first;
    most_recent      the most recently updated record's value (contact details people change);
    most_frequent    the value most records agree on (ties: source priority);
    consensus        names and addresses: the spelling most records agree on, ignoring case, spacing, full stops
                     and abbreviations; a one-letter slip counts with the value it misspells, so a typo'd variant
                     never wins over a clean majority. Ties go to the spelling whose words are common across all
                     records (``vocabulary``), then to source priority. The winner is shown in its standard case
                     with street abbreviations written out (``pipeline.identity.display``).
Every chosen value is returned with the record it came from, so a profile can show its provenance.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pipeline.identity.display import display_value, is_one_case, tidy, vote_key

logger = logging.getLogger(__name__)

ENTITY_PRIORITY: Final = {"Customer": 0, "Lead": 1, "Listing": 2, "Profile": 3, "Contact": 4}
FIELD_RULES: Final = {
    "company_name": "consensus",
    "display_name": "consensus",
    "given_name": "consensus",
    "family_name": "consensus",
    "email": "most_recent",
    "phone": "most_recent",
    "street": "consensus",
    "city": "consensus",
    "region": "consensus",
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


def survive(
    records: Sequence[Mapping[str, Any]], vocabulary: Mapping[str, Mapping[str, int]] | None = None
) -> dict[str, Chosen]:
    """The golden value of every field for one customer's records (fields no record has are left out).

    ``vocabulary`` (field -> word -> how many records use it, from :func:`build_vocabulary`) breaks ties
    between spellings in favour of the one whose words other records use too.
    """
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
        elif rule == "consensus":
            winner = _consensus(field, offered, (vocabulary or {}).get(field, {}))
            chosen[field] = Chosen(
                field,
                display_value(field, str(winner[field])),
                winner["source"],
                winner["source_key"],
                rule,
                len(offered),
            )
            continue
        else:
            winner = offered[0]
        chosen[field] = Chosen(
            field, winner[field], winner["source"], winner["source_key"], rule, len(offered)
        )
    return chosen


def _consensus(
    field: str, offered: Sequence[Mapping[str, Any]], words: Mapping[str, int]
) -> Mapping[str, Any]:
    """The record carrying the best-agreed, best-formed spelling of ``field`` (``offered`` in priority order)."""
    values = [str(r[field]) for r in offered]
    if len(set(values)) == 1:
        return offered[0]  # every record agrees (most customers): nothing to vote on
    keys = [vote_key(field, v) for v in values]
    votes = Counter(keys)
    key = keys[0]
    if len(votes) > 1:
        rank = {k: keys.index(k) for k in votes}  # position of each key's most trusted record
        clusters: list[list[str]] = []
        for k in sorted(votes, key=lambda k: (-votes[k], rank[k])):
            home = next((c for c in clusters if _one_slip(c[0], k)), None)
            if home is None:
                clusters.append([k])
            else:
                home.append(k)
        best = min(clusters, key=lambda c: (-sum(votes[k] for k in c), min(rank[k] for k in c)))
        key = min(best, key=lambda k: (-votes[k], -_commonness(k, words), rank[k]))
    members = [i for i, k in enumerate(keys) if k == key]
    shown = Counter(display_value(field, values[i]) for i in members)
    form: dict[str, tuple[int, bool, bool]] = {}
    for i in members:
        v = values[i]
        if v not in form:
            form[v] = (-shown[display_value(field, v)], is_one_case(v), tidy(v) != v)
    return offered[min(members, key=lambda i: (form[values[i]], i))]


def _commonness(key: str, words: Mapping[str, int]) -> int:
    """How many records use the rarest word of ``key`` (a misspelt word is rare)."""
    return min((words.get(w, 0) for w in key.split()), default=0)


def _one_slip(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one letter swapped, dropped, doubled or replaced (not the first letter)."""
    if a == b or len(a) < 5 or abs(len(a) - len(b)) > 1 or a[0] != b[0]:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
    return short[i:] == long_[i + 1 :]


def build_vocabulary(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """For each consensus field, how many records use each word (as :func:`vote_key` writes it)."""
    fields = [f for f, rule in FIELD_RULES.items() if rule == "consensus"]
    vocabulary: dict[str, Counter[str]] = {f: Counter() for f in fields}
    for row in rows:
        for f in fields:
            value = row.get(f)
            if value not in (None, ""):
                vocabulary[f].update(set(vote_key(f, str(value)).split()))
    return {f: dict(c) for f, c in vocabulary.items()}


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
