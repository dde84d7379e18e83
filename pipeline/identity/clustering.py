"""Records -> clusters by connected components over match edges (shared by engine and baseline)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
#: ``compatible(field, code_a, code_b)``: may two different values of identifying field ``field``
#: (its position in ``keys``) belong to one customer (a one-digit typo, ZIP5 against ZIP+4)?
Compatible = Callable[[int, int, int], bool]


def cluster_ids(n_records: int, left: IntArray, right: IntArray) -> IntArray:
    """Cluster id per record position: the position of the first record in its component.

    ``left``/``right`` are record positions (0..n_records-1) of matched pairs; a record with
    no edge is its own cluster, so its cluster id is its own position.
    """
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    if left.shape != right.shape:
        raise ValueError(f"edge arrays differ in length: {left.shape} vs {right.shape}")
    if n_records == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_records, n_records)
    ).tocsr()
    n_components, labels = connected_components(graph, directed=False)
    first = np.full(n_components, n_records, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n_records, dtype=np.int64))
    result: IntArray = first[labels]
    logger.debug("%d records in %d clusters from %d edges", n_records, n_components, len(left))
    return result


def cluster_pair_count(cluster: IntArray, side: npt.NDArray[np.bool_] | None = None) -> int:
    """Pairs implied by clusters: sum of n(n-1)/2, or for a link, sum of n_a * n_b per cluster.

    ``side`` marks records of dataset B in a link; ``None`` means a dedupe.
    """
    if side is None:
        _, sizes = np.unique(cluster, return_counts=True)
        return int((sizes * (sizes - 1) // 2).sum())
    size_a = np.bincount(cluster[~side], minlength=len(cluster))
    size_b = np.bincount(cluster[side], minlength=len(cluster))
    return int((size_a * size_b).sum())


def constrained_cluster_ids(
    n_records: int,
    left: IntArray,
    right: IntArray,
    weight: npt.NDArray[np.float64],
    keys: list[IntArray],
    compatible: Compatible | None = None,
    evidence: npt.NDArray[np.float64] | None = None,
    override: float | None = None,
) -> IntArray:
    """Cluster ids like ``cluster_ids``, but never merging two clusters whose identifiers conflict.

    ``keys`` holds one code array per identifying field (phone, web domain, postcode; ``-1`` =
    missing). Two clusters conflict when, for some field, both hold values and no value of one is
    equal or ``compatible`` with a value of the other: two businesses with the same trading name but
    different phones stay apart, while a phone keyed with one wrong digit or a ZIP+4 against its ZIP
    does not split a customer. A conflict is a penalty rather than a wall when ``evidence`` (the
    model's match weight of each edge, NaN if unscored) and ``override`` are given: an edge whose
    weight reaches ``override`` bits per conflicting field still merges (one record agreeing on
    e-mail, phone, name and street with a ZIP that changed). Components without
    such a conflict are plain connected components. Inside a conflicted component, edges between
    records that carry identifiers merge greedily by descending ``weight``; then each record
    without identifiers (a name-only activity row) joins the cluster its edges point to most
    (sum of weights, so the likelier customer wins), rather than bridging the two.
    """
    base = cluster_ids(n_records, left, right)
    if n_records == 0 or not keys or len(left) == 0:
        return base
    key_matrix = np.stack([np.asarray(k, dtype=np.int64) for k in keys], axis=1)
    conflicted = _conflicted_components(base, key_matrix)
    if not conflicted.any():
        return base
    in_conflict = conflicted[base]
    mask = in_conflict[left]
    result = base.copy()
    strength = (
        None if evidence is None else np.nan_to_num(np.asarray(evidence, np.float64)[mask], nan=-np.inf)
    )
    _resolve_conflicts(
        result,
        left[mask],
        right[mask],
        np.asarray(weight, dtype=np.float64)[mask],
        key_matrix,
        compatible,
        strength,
        override,
    )
    logger.info("%d component(s) held conflicting identifiers and were split", int(conflicted.sum()))
    return result


def _conflicted_components(base: IntArray, key_matrix: IntArray) -> npt.NDArray[np.bool_]:
    """Per component root: does some identifying field hold two different values in it?"""
    conflicted = np.zeros(len(base), dtype=np.bool_)
    for col in key_matrix.T:
        have = col >= 0
        if not have.any():
            continue
        pairs = np.unique(np.stack([base[have], col[have]], axis=1), axis=0)
        roots, counts = np.unique(pairs[:, 0], return_counts=True)
        conflicted[roots[counts > 1]] = True
    return conflicted


def _resolve_conflicts(
    result: IntArray,
    left: IntArray,
    right: IntArray,
    weight: npt.NDArray[np.float64],
    key_matrix: IntArray,
    compatible: Compatible | None = None,
    strength: npt.NDArray[np.float64] | None = None,
    override: float | None = None,
) -> None:
    """Greedy constrained merging of the records touched by ``left``/``right``; writes ``result``."""
    parent: dict[int, int] = {}
    values: dict[int, list[set[int]]] = {}
    keyed: npt.NDArray[np.bool_] = np.asarray((key_matrix >= 0).any(axis=1), dtype=np.bool_)

    def find(x: int) -> int:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        return root

    codes = key_matrix.tolist()

    def sets(root: int) -> list[set[int]]:
        if root not in values:
            values[root] = [{v} if v >= 0 else set() for v in codes[root]]
        return values[root]

    grown: dict[int, int] = {}  # root -> clusters it has absorbed (its values change with each)
    counted: dict[tuple[int, int], tuple[int, int, int]] = {}  # two roots -> (their growths, conflicts)

    def conflicts(ra: int, rb: int) -> int:
        """How many fields hold values in both clusters and none of one equal or compatible with one of the
        other. Remembered until either cluster grows: two clusters kept apart meet again on many edges."""
        pair = (ra, rb) if ra < rb else (rb, ra)
        stamp = (grown.get(pair[0], 0), grown.get(pair[1], 0))
        seen = counted.get(pair)
        if seen is not None and seen[:2] == stamp:
            return seen[2]
        count = 0
        for field, (x, y) in enumerate(zip(sets(ra), sets(rb), strict=True)):
            if x and y and not x & y:
                count += compatible is None or not any(compatible(field, a, b) for a in x for b in y)
        counted[pair] = (*stamp, count)
        return count

    def union(a: int, b: int, check: bool, bits: float = -np.inf) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        if check:
            found = conflicts(ra, rb)
            if found and (override is None or bits < override * found):
                return
        sa, sb = sets(ra), sets(rb)
        if sum(map(len, sa)) < sum(map(len, sb)):
            ra, rb, sa, sb = rb, ra, sb, sa
        parent[rb] = ra
        grown[ra] = grown.get(ra, 0) + 1
        for x, y in zip(sa, sb, strict=True):
            x |= y
        values.pop(rb, None)

    order = np.argsort(-weight, kind="stable")
    both = keyed[left] & keyed[right]
    merged = order[both[order]]  # plain ints from here on: a loop over numpy scalars is several times slower
    bits_of = np.full(len(merged), -np.inf) if strength is None else strength[merged]
    for a, b, bits in zip(left[merged].tolist(), right[merged].tolist(), bits_of.tolist(), strict=True):
        union(a, b, check=True, bits=bits)
    # Records without identifiers: join the cluster with the most (weighted) evidence, repeatedly,
    # so a chain of name-only rows follows the row that reached a keyed cluster.
    loose = np.flatnonzero(~both)
    neighbours: dict[int, list[tuple[int, float]]] = {}
    has_keys = keyed.tolist()
    capped = np.minimum(weight[loose], 50.0).tolist()
    for a, b, w in zip(left[loose].tolist(), right[loose].tolist(), capped, strict=True):
        if not has_keys[a]:
            neighbours.setdefault(a, []).append((b, w))
        if not has_keys[b]:
            neighbours.setdefault(b, []).append((a, w))
    placed: set[int] = set()
    for _ in range(4):
        moved = False
        for rec, edges in neighbours.items():
            if rec in placed:
                continue
            votes: dict[int, float] = {}
            for other, w in edges:
                if has_keys[other] or other in placed:
                    root = find(other)
                    votes[root] = votes.get(root, 0.0) + w
            if votes:
                best = max(votes, key=lambda r: (votes[r], -r))
                union(rec, best, check=False)
                placed.add(rec)
                moved = True
        if not moved:
            break
    for rec, edges in neighbours.items():  # never reached a keyed cluster: the name-only rows group together
        if rec not in placed:
            for other, _ in edges:
                if not has_keys[other] and other not in placed:
                    union(rec, other, check=False)
    touched = np.fromiter(parent.keys(), dtype=np.int64)
    roots = np.fromiter((find(int(x)) for x in touched), dtype=np.int64)
    first: dict[int, int] = {}
    for rec, root in zip(touched.tolist(), roots.tolist(), strict=True):
        first[root] = min(first.get(root, rec), rec)
    result[touched] = np.fromiter((first[r] for r in roots.tolist()), dtype=np.int64)
