"""The golden-key assignment as it was before it became linear: a cluster list per label, kept as the reference."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from pipeline.identity.golden import IdentityEvent, _merge_reason


@dataclass(frozen=True)
class FormerAssignment:
    keys: dict[str, int]
    events: list[IdentityEvent]


def former_assign_keys(
    clusters: Mapping[str, Hashable],
    previous: Mapping[str, int],
    evidence: Mapping[tuple[str, str], str] | None = None,
    key_floor: int = 0,
) -> FormerAssignment:
    """Keys and events exactly as the former per-cluster-list implementation gave them."""
    members: dict[Hashable, list[str]] = defaultdict(list)
    for record in sorted(clusters):
        members[clusters[record]].append(record)
    ordered = sorted(members.values(), key=lambda recs: recs[0])
    counts: dict[int, dict[int, int]] = {}
    for position, records in enumerate(ordered):
        for record in records:
            key = previous.get(record)
            if key is not None:
                at = counts.setdefault(key, {})
                at[position] = at.get(position, 0) + 1
    owner = {key: min(c, key=lambda p: (-c[p], p)) for key, c in counts.items()}
    owned_at: dict[int, list[int]] = defaultdict(list)
    for key in sorted(owner):
        owned_at[owner[key]].append(key)
    next_key = max(max(previous.values(), default=0), key_floor) + 1
    keys: dict[str, int] = {}
    events: list[IdentityEvent] = []
    for position, records in enumerate(ordered):
        owned = owned_at.get(position, [])
        lost = sorted({previous[r] for r in records if r in previous and owner[previous[r]] != position})
        if owned:
            key = owned[0]
            for retired in owned[1:]:
                reason = _merge_reason(records, previous, key, retired, evidence)
                events.append(IdentityEvent("merge", key, retired, len(records), reason))
        else:
            key, next_key = next_key, next_key + 1
            if not lost:
                events.append(IdentityEvent("new", key, None, len(records), "no existing customer matched"))
        for old in lost:
            moved = sum(1 for r in records if previous.get(r) == old)
            reason = f"{moved} record(s) of customer {old} no longer match its other records"
            events.append(IdentityEvent("split", key, old, moved, reason))
        for record in records:
            keys[record] = key
    return FormerAssignment(keys, events)
