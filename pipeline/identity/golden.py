"""Stable golden customer keys: clusters of records -> keys that survive re-runs, merges and splits.

A record keeps the key it had unless its cluster changed. When records that had different keys land
in one cluster, the oldest (smallest) key survives and the others are retired: a *merge*. When a
key's records end up in different clusters, the cluster holding most of them (ties: the one with the
smallest record id) keeps the key and the others get new keys: a *split*. Every merge, split and new
key is returned as an event with its reason, so the warehouse can say why a customer changed.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IdentityEvent:
    kind: str  # new, merge, split, removed
    customer_key: int
    other_key: int | None
    records: int
    reason: str


@dataclass(frozen=True)
class KeyAssignment:
    keys: dict[str, int]  # record id -> golden customer key
    events: list[IdentityEvent] = field(default_factory=list)

    def changed(self, previous: Mapping[str, int]) -> set[str]:
        """Record ids whose key differs from ``previous`` (new records included)."""
        return {r for r, k in self.keys.items() if previous.get(r) != k}


def assign_keys(
    clusters: Mapping[str, Hashable],
    previous: Mapping[str, int],
    evidence: Mapping[tuple[str, str], str] | None = None,
    key_floor: int = 0,
) -> KeyAssignment:
    """Golden keys for ``clusters`` (record id -> cluster label), keeping ``previous`` keys where they hold.

    ``evidence`` maps a matched record pair to a short description (rule or probability) used in
    the merge reasons. New keys start above ``key_floor`` (the highest key ever given), so the key
    of a customer whose records were all deleted is never handed to another.
    """
    members: dict[Hashable, list[str]] = defaultdict(list)
    for record in sorted(clusters):
        members[clusters[record]].append(record)
    ordered = sorted(members.values(), key=lambda recs: recs[0])  # clusters by their smallest record id
    owner = _key_owners(ordered, previous)
    owned_at = _keys_by_owner(owner)
    next_key = max(max(previous.values(), default=0), key_floor) + 1
    keys: dict[str, int] = {}
    events: list[IdentityEvent] = []
    for position, records in enumerate(ordered):
        owned = owned_at.get(position, [])
        lost = sorted({previous[r] for r in records if r in previous and owner[previous[r]] != position})
        if owned:
            key = owned[0]
            for retired in owned[1:]:
                events.append(
                    IdentityEvent(
                        "merge",
                        key,
                        retired,
                        len(records),
                        _merge_reason(records, previous, key, retired, evidence),
                    )
                )
        else:
            key, next_key = next_key, next_key + 1
            if not lost:
                events.append(IdentityEvent("new", key, None, len(records), "no existing customer matched"))
        for old in lost:
            moved = sum(1 for r in records if previous.get(r) == old)
            events.append(
                IdentityEvent(
                    "split",
                    key,
                    old,
                    moved,
                    f"{moved} record(s) of customer {old} no longer match its other records",
                )
            )
        for record in records:
            keys[record] = key
    logger.info(
        "golden keys: %d records, %d customers; %s",
        len(keys), len(set(keys.values())), dict(Counter(e.kind for e in events)),
    )  # fmt: skip
    return KeyAssignment(keys, events)


def _key_owners(clusters: list[list[str]], previous: Mapping[str, int]) -> dict[int, int]:
    """For each previous key, the cluster (by position) that keeps it: most of its records, then first."""
    counts: dict[int, dict[int, int]] = {}
    for position, records in enumerate(clusters):
        for record in records:
            key = previous.get(record)
            if key is not None:
                at = counts.setdefault(key, {})
                at[position] = at.get(position, 0) + 1
    return {
        key: next(iter(c)) if len(c) == 1 else min(c, key=lambda p: (-c[p], p)) for key, c in counts.items()
    }


def _keys_by_owner(owner: Mapping[int, int]) -> dict[int, list[int]]:
    """Inverted index of ``owner``: cluster position -> the keys it keeps, smallest first."""
    index: dict[int, list[int]] = defaultdict(list)
    for key in sorted(owner):
        index[owner[key]].append(key)
    return dict(index)


def _merge_reason(
    records: list[str],
    previous: Mapping[str, int],
    kept: int,
    retired: int,
    evidence: Mapping[tuple[str, str], str] | None,
) -> str:
    kept_records = [r for r in records if previous.get(r) == kept]
    retired_records = [r for r in records if previous.get(r) == retired]
    for a in kept_records:
        for b in retired_records:
            why = (evidence or {}).get((a, b)) or (evidence or {}).get((b, a))
            if why:
                return f"customer {retired} merged into {kept}: {a} matches {b} ({why})"
    return f"customer {retired} merged into {kept}: their records now resolve to one customer"


def removal_events(gone: Mapping[str, int], remaining: set[int]) -> list[IdentityEvent]:
    """One ``removed`` event per customer that lost records deleted at their source (``gone``: record -> key)."""
    lost = Counter(gone.values())
    return [
        IdentityEvent(
            "removed",
            key,
            None,
            count,
            f"{count} record(s) deleted at their source"
            + ("" if key in remaining else f"; customer {key} has no records left and is retired"),
        )
        for key, count in sorted(lost.items())
    ]
