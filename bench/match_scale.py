"""The match step alone at scale, in four batches, with its identity tables dumped for comparing two versions.

    python bench/match_scale.py --data DIR/c20000 --changed DIR/c20000-changed0.01 --work DIR [--profile]

Batches, each into one fresh SQLite warehouse under ``--work``, driven step by step as the runner does:

1. land, stage and profile ``--data``, then match (the first batch);
2. land, stage and profile ``--changed`` (some customers changed), then match;
3. match again with no staged customer record changed (as in a batch where only sales changed);
4. a steward accepts the most likely pending pair and rejects the first pair of a two-record customer,
   then match again.

The steps after match are not run: match reads only staging, its own tables and its watermarks. Each
match's time is printed; ``--profile`` also writes its cProfile (``match-N.prof``) and prints its top
functions. After each match the identity tables (``customer_xref``, ``customer_xref_deleted``,
``identity_event``, ``identity_review``) and the ``identity:`` watermarks are written to ``dump-N.txt``,
one sorted row a line (the model's random ``linker_uid`` masked), so ``diff`` shows whether two versions
of the code (``PYTHONPATH`` set to each tree) leave the same rows.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import re
import shutil
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: the tree it names is the code measured

DECIDED_AT = dt.datetime(2026, 11, 28, 9, 0, 0)
LINKER_UID = re.compile(r'"linker_uid": "\w+"')
TABLES = ("customer_xref", "customer_xref_deleted", "identity_event", "identity_review")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="demo data folder (with sources.toml)")
    parser.add_argument(
        "--changed", type=Path, required=True, help="the same data with some customers changed"
    )
    parser.add_argument("--work", type=Path, required=True, help="warehouse, dumps and profiles (emptied)")
    parser.add_argument("--profile", action="store_true", help="cProfile each match")
    args = parser.parse_args()
    if args.work.exists():
        shutil.rmtree(args.work)
    (args.work / "var").mkdir(parents=True)
    os.environ["C360_DATABASE_URL"] = f"sqlite:///{args.work / 'warehouse.db'}"
    os.environ["C360_VAR_DIR"] = str(args.work / "var")

    import logging

    from pipeline import ops
    from pipeline.config import load_sources
    from pipeline.runner import run_step, steps_for, utc_now
    from settings import get_settings
    from warehouse.engine import Warehouse
    from warehouse.migrate import upgrade

    logging.basicConfig(level=logging.WARNING)
    get_settings.cache_clear()
    warehouse = Warehouse.from_url(get_settings().warehouse_url)
    upgrade(warehouse)
    print(f"code: {sys.modules[ops.__name__].__file__}")

    def batch(n: int, data: Path | None, before: str = "") -> None:
        with warehouse.begin() as conn:
            batch_id = ops.start_batch(conn, utc_now(), "bench", f"bench-{n}")
        if data is not None:
            for name, step in steps_for(load_sources(data / "sources.toml"))[:3]:
                tick = time.perf_counter()
                run_step(warehouse, batch_id, name, step, utc_now)
                print(f"  batch {n} {name:<8} {time.perf_counter() - tick:7.1f} s")
        match = steps_for([])[3][1]
        profiler = cProfile.Profile() if args.profile else None
        tick = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        run_step(warehouse, batch_id, "match", match, utc_now)
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - tick
        with warehouse.begin() as conn:
            ops.finish_batch(conn, batch_id, utc_now(), ops.SUCCEEDED)
            message = conn.execute(
                sa.text("SELECT message FROM ops_step_run WHERE batch_id = :b AND step = 'match'"),
                {"b": batch_id},
            ).scalar()
        print(f"  batch {n} match    {seconds:7.1f} s  {before}{message}")
        _dump(warehouse.engine, args.work / f"dump-{n}.txt")
        if profiler is not None:
            profiler.dump_stats(str(args.work / f"match-{n}.prof"))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    batch(1, args.data)
    batch(2, args.changed)
    batch(3, None)
    accepted, rejected = _decide(warehouse.engine)
    batch(4, None, f"(after accepting {accepted} and rejecting {rejected}) ")
    return 0


def _decide(engine: sa.Engine) -> tuple[str, str]:
    """A steward accepts the most likely pending pair and rejects the two records of the first two-record customer."""
    with engine.begin() as conn:
        left, right = conn.execute(
            sa.text(
                "SELECT record_l, record_r FROM identity_review WHERE status = 'pending'"
                " ORDER BY match_probability DESC, record_l, record_r LIMIT 1"
            )
        ).one()
        conn.execute(
            sa.text(
                "UPDATE identity_review SET status = 'accepted', decided_by = 'bench', decided_at = :at"
                " WHERE record_l = :l AND record_r = :r"
            ),
            {"at": DECIDED_AT, "l": left, "r": right},
        )
        a, b = conn.execute(
            sa.text(
                "SELECT MIN(source || '|' || source_key), MAX(source || '|' || source_key) FROM customer_xref"
                " GROUP BY customer_key HAVING COUNT(*) = 2 ORDER BY customer_key LIMIT 1"
            )
        ).one()
        conn.execute(
            sa.text(
                "INSERT INTO identity_review (record_l, record_r, match_probability, match_key, status,"
                " decided_by, decided_at, batch_id) VALUES (:l, :r, 1.0, 'bench', 'rejected', 'bench', :at, 1)"
            ),
            {"l": a, "r": b, "at": DECIDED_AT},
        )
    return f"{left} / {right}", f"{a} / {b}"


def _dump(engine: sa.Engine, path: Path) -> None:
    """Every row of the identity tables and the ``identity:`` watermarks, sorted, one a line."""
    lines = []
    with engine.connect() as conn:
        for table in TABLES:
            lines += sorted(f"{table} {tuple(r)!r}" for r in conn.execute(sa.text(f"SELECT * FROM {table}")))  # nosec B608
        marks = conn.execute(
            sa.text("SELECT name, value, batch_id FROM ops_watermark WHERE name LIKE 'identity:%'")
        )
        lines += sorted(f"ops_watermark {LINKER_UID.sub('-', repr(tuple(r)))}" for r in marks)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
