"""Records -> clusters by connected components over match edges (shared by engine and baseline)."""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


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
