"""Stable golden customer keys: clusters of records -> keys that survive re-runs, merges and splits.

A record keeps the key it had unless its cluster changed. When records that had different keys land
in one cluster, the oldest (smallest) key survives and the others are retired: a *merge*. When a
key's records end up in different clusters, the cluster holding most of them (ties: the one with the
smallest record id) keeps the key and the others get new keys: a *split*. Every merge, split and new
key is returned as an event with its reason, so the warehouse can say why a customer changed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate

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

    Linear in the records: clusters are runs of one flat list (no container per cluster, which the
    garbage collector would traverse again and again), and a cluster learns the keys it keeps from
    its own records' previous keys.
    """
    records, bounds = _grouped(clusters)
    had = [previous.get(r) for r in records]
    owner = _key_owners(had, bounds)
    next_key = max(max(previous.values(), default=0), key_floor) + 1
    keys: dict[str, int] = {}
    events: list[IdentityEvent] = []
    for position in range(len(bounds) - 1):
        lo, hi = bounds[position], bounds[position + 1]
        first = had[lo]
        if first is not None and owner[first] == position and had[lo:hi].count(first) == hi - lo:
            keys.update(dict.fromkeys(records[lo:hi], first))  # unchanged customer: the usual case
            continue
        members = records[lo:hi]
        known = {k for k in had[lo:hi] if k is not None}
        owned = sorted(k for k in known if owner[k] == position)
        lost = sorted(k for k in known if owner[k] != position)
        if owned:
            key = owned[0]
            for retired in owned[1:]:
                events.append(
                    IdentityEvent(
                        "merge",
                        key,
                        retired,
                        len(members),
                        _merge_reason(members, previous, key, retired, evidence),
                    )
                )
        else:
            key, next_key = next_key, next_key + 1
            if not lost:
                events.append(IdentityEvent("new", key, None, len(members), "no existing customer matched"))
        for old in lost:
            moved = had[lo:hi].count(old)
            events.append(
                IdentityEvent(
                    "split",
                    key,
                    old,
                    moved,
                    f"{moved} record(s) of customer {old} no longer match its other records",
                )
            )
        keys.update(dict.fromkeys(members, key))
    logger.info(
        "golden keys: %d records, %d customers; %s",
        len(keys), len(bounds) - 1, dict(Counter(e.kind for e in events)),
    )  # fmt: skip
    return KeyAssignment(keys, events)


def _grouped(clusters: Mapping[str, Hashable]) -> tuple[list[str], list[int]]:
    """Record ids grouped by cluster, and where each cluster starts (plus the end).

    Clusters are ordered by their smallest record id and records by id within a cluster: a
    cluster's position is the order in which its first record appears among the sorted ids, and
    a counting sort by position keeps that order inside each cluster.
    """
    ids = sorted(clusters)
    position_of: dict[Hashable, int] = {}
    positions = [position_of.setdefault(clusters[r], len(position_of)) for r in ids]
    sizes = [0] * (len(position_of) + 1)
    for p in positions:
        sizes[p + 1] += 1
    bounds = list(accumulate(sizes))
    slot = bounds[:-1]
    records = [""] * len(ids)
    for record, p in zip(ids, positions, strict=True):
        records[slot[p]] = record
        slot[p] += 1
    return records, bounds


def _key_owners(had: list[int | None], bounds: list[int]) -> dict[int, int]:
    """For each previous key, the cluster (by position) that keeps it: most of its records, then first."""
    owner: dict[int, int] = {}
    most: dict[int, int] = {}
    for position in range(len(bounds) - 1):
        lo, hi = bounds[position], bounds[position + 1]
        if hi - lo == 1:
            key = had[lo]
            if key is not None and key not in owner:
                owner[key], most[key] = position, 1
            continue
        for key, count in Counter(k for k in had[lo:hi] if k is not None).items():
            if count > most.get(key, 0):  # strictly more: on a tie the earlier cluster keeps it
                owner[key], most[key] = position, count
    return owner


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
