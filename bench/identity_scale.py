"""Scale benchmark: dedupe N synthetic people/businesses with our engine and the recordlinkage baseline.

    python bench/identity_scale.py                # N = 1,000,000
    python bench/identity_scale.py --n 100000 --baseline-n 20000

The engine runs on all N records in this process (peak RSS = ru_maxrss of this process,
which includes the generated frame). The baseline runs in a child process on entity-sampled
subsets of baseline_n/2 and baseline_n records (whole entities, so duplicates stay together);
its time at N is extrapolated from the exponent measured between those two sizes, and the
linear and quadratic extrapolations are printed beside it as bounds.
"""

from __future__ import annotations

import argparse
import logging
import math
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.identity import BaselineSettings, FieldMap, MatchSettings, baseline_dedupe, dedupe  # noqa: E402
from pipeline.identity.evaluate import score  # noqa: E402
from pipeline.identity.synthetic import synthetic_records  # noqa: E402

FIELDS = FieldMap.identity(
    [
        "given_name",
        "family_name",
        "business_name",
        "email",
        "phone",
        "street",
        "city",
        "postcode",
        "state",
        "date_of_birth",
        "source_id",
    ],
    record_id="record_id",
)


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def entity_sample(df: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """About ``n`` records made of whole entities."""
    entities = df["entity_id"].unique()
    rng = np.random.default_rng(seed)
    keep = rng.choice(entities, size=max(1, int(len(entities) * n / len(df))), replace=False)
    return df[df["entity_id"].isin(keep)].reset_index(drop=True)


def run_baseline(df: pd.DataFrame) -> tuple[float, float, float, float]:
    """Child process: baseline wall seconds, precision, recall and F1.

    No peak memory: Linux keeps a parent's ru_maxrss high-water mark across exec, so the
    child's figure would only repeat the engine's.
    """
    start = time.perf_counter()
    res = baseline_dedupe(df, FIELDS, BaselineSettings(region="AU"))
    seconds = time.perf_counter() - start
    s = score(res, df[["record_id", "entity_id"]])
    return seconds, s.precision, s.recall, s.f1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--baseline-n", type=int, default=20_000, help="largest baseline subsample (0: skip)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s: %(message)s"
    )
    logging.getLogger("splink").setLevel(logging.WARNING if args.verbose else logging.ERROR)

    t0 = time.perf_counter()
    df = synthetic_records(args.n, seed=args.seed)
    n_entities = df["entity_id"].nunique()
    print(
        f"generated {len(df):,} records of {n_entities:,} entities in {time.perf_counter() - t0:.1f} s (seed {args.seed})"
    )
    print(f"peak memory after generation: {peak_mb():,.0f} MB")

    start = time.perf_counter()
    res = dedupe(df, FIELDS, MatchSettings(region="AU", threads=args.threads))
    wall = time.perf_counter() - start
    engine_peak = peak_mb()
    s = score(res, df[["record_id", "entity_id"]])
    clusters = res.clusters["cluster_id"].nunique()
    print(f"engine (splink/duckdb): {len(df):,} records -> {clusters:,} clusters")
    print(f"engine wall seconds: {wall:.1f}")
    print(f"engine peak memory (ru_maxrss, whole process): {engine_peak:,.0f} MB")
    print(
        f"engine pairwise (pairs implied by clusters): precision={s.precision:.4f} recall={s.recall:.4f} f1={s.f1:.4f}"
    )

    if args.baseline_n <= 0:
        return 0
    sizes = [args.baseline_n // 2, args.baseline_n]
    timings = []
    ctx = get_context("spawn")
    for size in sizes:
        sub = entity_sample(df, size, args.seed)
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            b_sec, b_p, b_r, b_f1 = pool.submit(run_baseline, sub).result()
        e_sec = dedupe(sub, FIELDS, MatchSettings(region="AU", threads=args.threads)).seconds
        timings.append((len(sub), b_sec))
        print(
            f"baseline (recordlinkage) on a {len(sub):,}-record subsample: {b_sec:.1f} s, "
            f"precision={b_p:.4f} recall={b_r:.4f} f1={b_f1:.4f}; engine on the same subsample: {e_sec:.1f} s"
        )
    (n1, t1), (n2, t2) = timings
    exponent = math.log(t2 / t1) / math.log(n2 / n1) if t1 > 0 and n2 > n1 else 1.0
    linear = t2 * args.n / n2
    quadratic = t2 * (args.n / n2) ** 2
    fitted = t2 * (args.n / n2) ** exponent
    print(
        f"baseline at {args.n:,} records (extrapolated, not run): measured exponent {exponent:.2f} -> {fitted:,.0f} s; "
        f"linear {linear:,.0f} s; quadratic {quadratic:,.0f} s"
    )
    print(
        f"speed ratio baseline/engine at {args.n:,}: {fitted / wall:,.1f}x (linear bound {linear / wall:,.1f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
