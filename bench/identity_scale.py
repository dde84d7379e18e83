"""Scale benchmark: dedupe N synthetic records with our engine and the recordlinkage baseline.

    python bench/identity_scale.py                # N = 1,000,000 records
    python bench/identity_scale.py --n 100000 --baseline-start 10000 --baseline-limit 600

"Records" are rows to deduplicate (several per real-world entity); "entities" are the people and
businesses behind them. The engine runs on all N records in this process (peak RSS = ru_maxrss of
this process, which includes the generated frame). The baseline (recordlinkage, with the combined-key
blocking it is normally used with: ``BaselineSettings(blocking="combined")``) runs in a child process
on entity-sampled subsets (whole entities, so duplicates stay together) of ``--baseline-start`` records,
doubling until one takes longer than ``--baseline-limit`` seconds (that run is stopped) or reaches N.
The engine runs on the same subsets, and the speed ratio is printed at each size actually run. An
extrapolation to N, when the baseline did not reach it, is printed and labelled as such.
"""

from __future__ import annotations

import argparse
import logging
import math
import resource
import sys
import time
from multiprocessing import get_context
from pathlib import Path
from queue import Empty
from typing import Any

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
    res = baseline_dedupe(df, FIELDS, BaselineSettings(region="AU", blocking="combined"))
    seconds = time.perf_counter() - start
    s = score(res, df[["record_id", "entity_id"]])
    return seconds, s.precision, s.recall, s.f1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--baseline-start",
        "--baseline-n",
        dest="baseline_start",
        type=int,
        default=10_000,
        help="first baseline size in records (0: skip)",
    )
    parser.add_argument(
        "--baseline-limit", type=float, default=600.0, help="seconds one baseline run may take"
    )
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

    if args.baseline_start <= 0:
        return 0
    measured: list[tuple[int, float]] = []
    size = args.baseline_start
    while True:
        sub = entity_sample(df, size, args.seed) if size < len(df) else df
        outcome = baseline_within(sub, args.baseline_limit)
        if outcome is None:
            print(
                f"baseline (recordlinkage, combined blocking) on {len(sub):,} records: "
                f"stopped after {args.baseline_limit:.0f} s (not finished)"
            )
            break
        b_sec, b_p, b_r, b_f1 = outcome
        e_res = dedupe(sub, FIELDS, MatchSettings(region="AU", threads=args.threads))
        e_f1 = score(e_res, sub[["record_id", "entity_id"]]).f1
        measured.append((len(sub), b_sec))
        print(
            f"{len(sub):>9,} records: recordlinkage {b_sec:7.1f} s (precision={b_p:.4f} recall={b_r:.4f} "
            f"f1={b_f1:.4f}); engine {e_res.seconds:6.1f} s (f1={e_f1:.4f}); "
            f"ratio recordlinkage/engine x{b_sec / e_res.seconds:.1f} (measured)"
        )
        if len(sub) >= len(df):
            break
        size *= 2
    if measured and measured[-1][0] < len(df):
        (n2, t2) = measured[-1]
        exponent = (
            math.log(t2 / measured[-2][1]) / math.log(n2 / measured[-2][0]) if len(measured) > 1 else 1.0
        )
        fitted = t2 * (len(df) / n2) ** exponent
        print(
            f"EXTRAPOLATED, not run: recordlinkage at {len(df):,} records ~{fitted:,.0f} s "
            f"(exponent {exponent:.2f} from the two largest sizes run) -> x{fitted / wall:,.0f} the engine's {wall:.0f} s"
        )
    return 0


def baseline_within(df: pd.DataFrame, limit: float) -> tuple[float, float, float, float] | None:
    """The baseline on ``df`` in a child process, or None when it has not finished within ``limit`` seconds."""
    ctx = get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_baseline_child, args=(df, queue))
    child.start()
    try:
        return tuple(queue.get(timeout=limit))  # type: ignore[return-value]
    except Empty:
        return None
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=30)


def _baseline_child(df: pd.DataFrame, queue: Any) -> None:
    queue.put(run_baseline(df))


if __name__ == "__main__":
    sys.exit(main())
