"""Golden-key assignment at scale: ``assign_keys`` with existing keys at 10k and 100k clusters.

    python bench/golden_keys.py [--sizes 10000 100000] [--repeats 3]

Each size builds a second-batch situation: every cluster already has a key, 1 % of clusters merge
with a neighbour, 1 % split in two and 1 % are new. Record ids arrive in id order, as the warehouse mostly
returns them; ``--shuffled`` hands them over in random order instead (the sort then costs n log n). The best of ``--repeats`` runs is timed and the
ratio between the largest and the smallest size is printed (the sizes take turns); linear growth gives about the size
ratio (10x for 10k -> 100k), the target is at most 12x. For scale, the same ratio is printed for
building a plain dict of the same record ids (the smallest thing the step must do): on a machine
whose caches hold the small case but not the large one, that floor alone grows faster than 10x.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.identity.golden import assign_keys  # noqa: E402

TARGET_RATIO = 12.0


def second_batch(n_clusters: int, seed: int = 7) -> tuple[dict[str, int], dict[str, int]]:
    """(clusters now, keys from the previous batch) for ``n_clusters`` customers of 1-4 records."""
    r = random.Random(seed)  # synthetic benchmark data  # nosec B311
    clusters: dict[str, int] = {}
    previous: dict[str, int] = {}
    for c in range(n_clusters):
        size = r.randint(1, 4)
        roll = r.random()
        for i in range(size):
            record = f"r{c:08d}-{i}"
            label = c
            if roll < 0.01 and c > 0:
                label = c - 1  # merges with the previous customer
            elif roll < 0.02 and i % 2:
                label = n_clusters + c  # splits off
            clusters[record] = label
            if roll >= 0.03:  # 1 % of customers are new this batch
                previous[record] = c + 1
    return clusters, previous


def shuffled(mapping: dict[str, int], seed: int) -> dict[str, int]:
    items = list(mapping.items())
    random.Random(seed).shuffle(items)  # synthetic benchmark data  # nosec B311
    return dict(items)


def best_of(sizes: list[int], repeats: int, mix: bool = False) -> dict[int, tuple[float, float]]:
    """Per size, the best time of ``assign_keys`` and of building a plain record -> key dict, in seconds.

    The sizes take turns within each repeat, so a burst of load on a shared machine falls on all of
    them alike instead of on whichever size happened to run during it.
    """
    cases = {n: second_batch(n) for n in sizes}
    if mix:
        cases = {n: (shuffled(c, 1), shuffled(p, 2)) for n, (c, p) in cases.items()}
    times: dict[int, list[float]] = {n: [] for n in sizes}
    floor: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(repeats):
        for n, (clusters, previous) in cases.items():
            gc.collect()
            tick = time.perf_counter()
            assign_keys(clusters, previous)
            times[n].append(time.perf_counter() - tick)
            tick = time.perf_counter()
            dict(zip(sorted(clusters), clusters.values(), strict=True))
            floor[n].append(time.perf_counter() - tick)
    return {n: (min(times[n]), min(floor[n])) for n in sizes}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shuffled", action="store_true", help="record ids in random order")
    args = parser.parse_args()
    seconds = best_of(args.sizes, args.repeats, args.shuffled)
    for n, (s, f) in seconds.items():
        print(f"assign_keys, {n:>9,} clusters with existing keys: {s:7.3f} s (plain dict: {f:.3f} s)")
    small, large = min(seconds), max(seconds)
    ratio = seconds[large][0] / seconds[small][0]
    floor = seconds[large][1] / seconds[small][1]
    print(
        f"{small:,} -> {large:,} clusters (x{large / small:.0f} clusters): x{ratio:.1f} time "
        f"(target <= x{TARGET_RATIO:.0f}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}); "
        f"a plain dict of the same records: x{floor:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
