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
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl

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
    records: npt.NDArray[np.str_]  # record ids, grouped by customer
    customer_keys: npt.NDArray[np.int64]  # each record's golden customer key
    events: list[IdentityEvent] = field(default_factory=list)

    @cached_property
    def keys(self) -> dict[str, int]:
        """Record id -> golden customer key, in the records' order (built when first asked for)."""
        return dict(zip(self.records.tolist(), self.customer_keys.tolist(), strict=True))

    def frame(self) -> pl.DataFrame:
        """The keys as a frame: ``record_id``, ``customer_key``."""
        return pl.DataFrame(
            {"record_id": self.records, "customer_key": self.customer_keys},
            schema={"record_id": pl.String, "customer_key": pl.Int64},
        )

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

    Linear in the records, and by whole arrays: records are sorted and grouped by cluster with numpy,
    a customer whose records all had one key and no other cluster holds any of them keeps it (the usual
    case, found for every cluster at once), and only the clusters left over (merges, splits, new
    customers) are walked one by one.
    """
    records, bounds = _grouped(clusters)
    had = _previous_keys(records, previous)
    starts, ends = bounds[:-1], bounds[1:]
    key_of = _unchanged_keys(had, starts, ends)
    next_key = max(max(previous.values(), default=0), key_floor) + 1
    changed = np.flatnonzero(key_of == NO_KEY)
    slices = [(int(starts[p]), int(ends[p])) for p in changed]
    owner = _key_owners(had, slices)
    events: list[IdentityEvent] = []
    for turn, (position, (lo, hi)) in enumerate(zip(changed.tolist(), slices, strict=True)):
        members, members_had = records[lo:hi].tolist(), had[lo:hi].tolist()
        known = {k for k in members_had if k != NO_KEY}
        owned = sorted(k for k in known if owner[k] == turn)
        lost = sorted(k for k in known if owner[k] != turn)
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
            moved = members_had.count(old)
            events.append(
                IdentityEvent(
                    "split",
                    key,
                    old,
                    moved,
                    f"{moved} record(s) of customer {old} no longer match its other records",
                )
            )
        key_of[position] = key
    logger.info(
        "golden keys: %d records, %d customers; %s",
        len(records), len(starts), dict(Counter(e.kind for e in events)),
    )  # fmt: skip
    return KeyAssignment(records, np.repeat(key_of, ends - starts), events)


NO_KEY = -1  # a record without a previous key (customer keys start at 1)


def _grouped(clusters: Mapping[str, Hashable]) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.int64]]:
    """Record ids grouped by cluster, and where each cluster starts (plus the end).

    Clusters are ordered by their smallest record id and records by id within a cluster: a
    cluster's position is the order in which its first record appears among the sorted ids, and
    a stable sort by position keeps that order inside each cluster.
    """
    n = len(clusters)
    ids = np.array(list(clusters), dtype=np.str_) if n else np.array([], dtype=np.str_)
    codes, _ = pd.factorize(np.fromiter(clusters.values(), dtype=object, count=n), use_na_sentinel=False)
    order = pl.Series(ids, dtype=pl.String).arg_sort().to_numpy()  # unique ids: any sort gives the one order
    ids, codes = ids[order], codes[order]
    _, first = np.unique(codes, return_index=True)  # where each label's smallest record stands
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    positions = rank[codes]
    grouped = np.argsort(positions, kind="stable")
    bounds = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(np.bincount(positions, minlength=len(first)), out=bounds[1:])
    return ids[grouped], bounds


def _previous_keys(records: npt.NDArray[np.str_], previous: Mapping[str, int]) -> npt.NDArray[np.int64]:
    """Each record's previous key, :data:`NO_KEY` where it had none (looked up in a hash index of the old ids)."""
    if not previous or not len(records):
        return np.full(len(records), NO_KEY, dtype=np.int64)
    values = np.fromiter(previous.values(), dtype=np.int64, count=len(previous))
    at = pd.Index(list(previous), dtype=object).get_indexer(pd.Index(records, dtype=object))
    return np.where(at >= 0, values[at], NO_KEY)


def _unchanged_keys(
    had: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Per cluster, the key it keeps unchanged, else :data:`NO_KEY`.

    A cluster keeps its key unchanged when all its records had that one key and no other cluster holds a
    record of it: its smallest and largest previous key agree and its size is the key's count of records.
    """
    if not len(starts):
        return np.empty(0, dtype=np.int64)
    low = np.minimum.reduceat(had, starts)
    high = np.maximum.reduceat(had, starts)
    keys, counts = np.unique(had[had != NO_KEY], return_counts=True)
    held = np.zeros(len(starts), dtype=np.int64)
    found = np.searchsorted(keys, low).clip(max=max(len(keys) - 1, 0))
    if len(keys):
        held = np.where(keys[found] == low, counts[found], 0)
    same = (low == high) & (low != NO_KEY) & (ends - starts == held)
    return np.where(same, low, NO_KEY)


def _key_owners(had: npt.NDArray[np.int64], slices: list[tuple[int, int]]) -> dict[int, int]:
    """For each previous key of the changed clusters, which of ``slices`` keeps it: most of its records, then
    the first. A key held by a changed cluster has all its records in changed clusters, so these decide."""
    owner: dict[int, int] = {}
    most: dict[int, int] = {}
    for position, (lo, hi) in enumerate(slices):
        for key, count in Counter(k for k in had[lo:hi].tolist() if k != NO_KEY).items():
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
