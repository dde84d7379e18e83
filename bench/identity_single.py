"""Single-record matching benchmark: latency of ``match_record`` against a demo warehouse's golden index.

    python -m pipeline demo-data --customers 2000 --seed 9 --end 2026-11-27 --out /tmp/iddemo
    C360_DATABASE_URL=sqlite:////tmp/iddemo.db python -m pipeline run --config /tmp/iddemo/sources.toml
    python bench/identity_single.py --db sqlite:////tmp/iddemo.db [--n 2000]

The index is built once (untimed in the percentiles; its build time is printed). Half the queries
are existing staged records copied with noise (a typo in the trading name, phone reformatted,
upper-cased e-mail, a field dropped) and should match their record's customer; half are new
businesses (invented name, phone, domain) and should match nobody. Each ``match_record`` call is
timed on its own; p50/p95/p99 and the ratio to the 100 ms target are printed.
"""

from __future__ import annotations

import argparse
import logging
import random
import string
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.identity.incremental import GoldenIndex, match_record  # noqa: E402
from warehouse.schema import customer_xref, stg_customer  # noqa: E402

TARGET_MS = 100.0


def noisy_copy(r: random.Random, row: dict[str, Any]) -> dict[str, Any]:
    """An existing record as another system might key it."""
    out = {k: row[k] for k in ("company_name", "display_name", "given_name", "family_name", "email", "phone",
                               "street", "city", "postcode", "region", "sales_rep")}  # fmt: skip
    name = out["company_name"] or out["display_name"]
    if name and len(name) > 6 and r.random() < 0.5:
        i = r.randrange(1, len(name) - 1)
        name = name[:i] + name[i + 1 :]  # a dropped letter
    out["company_name"] = out["display_name"] = name
    if out["phone"] and r.random() < 0.5:
        digits = out["phone"].replace("+44", "0")
        out["phone"] = f"{digits[:5]} {digits[5:]}"
    if out["email"] and r.random() < 0.5:
        out["email"] = out["email"].upper()
    drop = r.choice(("street", "city", "given_name", None))
    if drop:
        out[drop] = None
    return out


def new_business(r: random.Random, n: int) -> dict[str, Any]:
    word = "".join(r.choice(string.ascii_lowercase) for _ in range(9)).title()
    return {
        "company_name": f"{word} Trading {n} Ltd",
        "given_name": r.choice(("Alex", "Sam", "Jo")),
        "family_name": "".join(r.choice(string.ascii_lowercase) for _ in range(7)).title(),
        "email": f"hello@{word.lower()}{n}.co.uk",
        "phone": f"+44 7911 2{r.randrange(10**5):05d}",
        "postcode": f"ZZ{r.randrange(10, 99)} {r.randrange(10)}XY",
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", default="sqlite:////tmp/iddemo.db", help="warehouse URL (a demo batch has run)"
    )
    parser.add_argument(
        "--n", type=int, default=2000, help="single-record matches to time (half copies, half new)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    engine = sa.create_engine(args.db)
    with engine.connect() as conn:
        tick = time.perf_counter()
        index = GoldenIndex.from_warehouse(conn)
        built = time.perf_counter() - tick
        query = sa.select(stg_customer, customer_xref.c.customer_key).join(
            customer_xref,
            (customer_xref.c.source == stg_customer.c.source)
            & (customer_xref.c.source_key == stg_customer.c.source_key),
        )
        rows = [dict(x) for x in conn.execute(query).mappings()]
    r = random.Random(args.seed)
    queries: list[tuple[dict[str, Any], int | None]] = []
    for n in range(args.n):
        if n % 2:
            queries.append((new_business(r, n), None))
        else:
            row = r.choice(rows)
            queries.append((noisy_copy(r, row), int(row["customer_key"])))
    for q, _ in queries[:20]:  # warm caches (imports, first regex compiles)
        match_record(q, index)
    times, right, copies, new_right = [], 0, 0, 0
    for q, truth in queries:
        tick = time.perf_counter()
        result = match_record(q, index)
        times.append((time.perf_counter() - tick) * 1000)
        if truth is None:
            new_right += result.customer_key is None
        else:
            copies += 1
            right += result.customer_key == truth
    ms = np.array(times)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    print(
        f"golden index: {len(index.records):,} records of {len(set(index.keys)):,} customers, built in {built:.1f} s"
    )
    print(
        f"single-record matches: {len(ms):,} ({copies:,} noisy copies, {len(ms) - copies:,} new businesses)"
    )
    print(f"latency ms: p50={p50:.2f} p95={p95:.2f} p99={p99:.2f} max={ms.max():.2f} mean={ms.mean():.2f}")
    print(
        f"p95 vs {TARGET_MS:.0f} ms target: {p95 / TARGET_MS:.3f} of the budget ({TARGET_MS / p95:.0f}x headroom)"
    )
    print(
        f"noisy copies matched to their customer: {right}/{copies} ({right / copies:.1%}); "
        f"new businesses left unmatched: {new_right}/{len(ms) - copies} ({new_right / (len(ms) - copies):.1%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
