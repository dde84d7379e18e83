"""Records a sales rep wrote through the API change no customer of another rep: they are held apart for a steward.

A rep's write is answered alike whether or not it resembles a customer the rep cannot see (docs/api.md), so the
batch is where it meets the other customers. A record the rep wrote (``writers``: record id -> rep) that the
engine clusters with a customer owned by someone else, or by no one, is *held*: it keeps a golden customer of
its own (owned by its writer, as any new prospect is), and the pair waits in the steward's review queue. A
steward who accepts the pair joins them; until then the other rep's customer keeps its owner and its fields,
and afterwards its owner still (reps' writes do not vote on the owner of a customer other records make).
A customer known only through reps' writes belongs to the rep who wrote about it first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pipeline.identity.survivorship import survive

logger = logging.getLogger(__name__)

REVIEW_KEY = "scope: another owner"  # ``identity_review.match_key`` of a held pair


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def cluster_owner(
    members: Sequence[str], records: Mapping[str, Mapping[str, Any]], writers: Mapping[str, str]
) -> str | None:
    """The owner a cluster's golden record gets from its records not written by a rep (survivorship's
    ``sales_rep``), or, with none, the rep who wrote about it first (``writers`` is in landing order)."""
    base = [records[m] for m in members if m not in writers]
    if base:
        chosen = survive(base).get("sales_rep")
        return None if chosen is None else str(chosen.value)
    order = {rid: i for i, rid in enumerate(writers)}
    return writers[min(members, key=lambda m: order[m])]


def held_records(
    clusters: Mapping[str, int], records: Mapping[str, Mapping[str, Any]], writers: Mapping[str, str]
) -> dict[str, str]:
    """Record id -> the id of a record of the customer it is held apart from, for every held record.

    ``clusters`` maps record ids to the engine's cluster; ``records`` are the staged rows by record id (their
    ``sales_rep`` as the core step names reps); ``writers`` the records reps wrote, in landing order.
    """
    members: dict[int, list[str]] = {}
    for rid, label in clusters.items():
        members.setdefault(label, []).append(rid)
    held: dict[str, str] = {}
    for group in members.values():
        written = [m for m in group if m in writers]
        if not written or len(group) == len(written) == 1:
            continue
        owner = cluster_owner(group, records, writers)
        partner = next((m for m in sorted(group) if m not in writers or _same(writers[m], owner)), None)
        for rid in written:
            if not _same(writers[rid], owner) and partner is not None:
                held[rid] = partner
    if held:
        logger.info("%d records written by sales reps held apart from other owners' customers", len(held))
    return held


def keep_edge(a: str, b: str, held: Mapping[str, str], writers: Mapping[str, str], rule: str) -> bool:
    """Whether a match edge stays: not one tying a held record to others, unless a steward accepted it
    (records the same rep wrote about one company stay together)."""
    if rule == "steward" or (a not in held and b not in held):
        return True
    return a in held and b in held and _same(writers[a], writers[b])


def without_rep_votes(
    records: Sequence[Mapping[str, Any]], written: Callable[[Mapping[str, Any]], bool]
) -> list[Mapping[str, Any]]:
    """A customer's records for survivorship: where a record that is not a rep's write names an owner, reps' writes
    do not vote on the owner (a record a steward joined to a customer never reassigns it; a manager does)."""
    if not any(r.get("sales_rep") and not written(r) for r in records):
        return list(records)
    return [{**r, "sales_rep": None} if written(r) else r for r in records]
