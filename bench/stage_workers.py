"""The stage step with and without worker processes, on the same landed records.

    python bench/stage_workers.py --data DIR --work DIR [--workers 0 1 2]

Lands ``DIR/sources.toml`` once into ``WORK/landed.db`` (kept and reused), then for each worker count
copies that file and runs only the stage step into the copy (``run_step``, as a batch would), each in a
fresh child process. Prints wall time, CPU (user + system of the step's process and of the worker
processes it waited for), peak RSS of the step's process and of its largest worker, the load average,
and a digest of every staging table, the rejects, the field flags and the watermarks, which must be the
same for every worker count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAND = """
import datetime as dt, sys, time
from pathlib import Path
from pipeline import ops
from pipeline.config import load_sources
from pipeline.runner import run_step
from pipeline.steps.land import land
from settings import get_settings
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade

now = dt.datetime(2026, 12, 1, 2, 0)
warehouse = Warehouse.from_url(get_settings().warehouse_url)
upgrade(warehouse)
sources = load_sources(Path(sys.argv[1]))
with warehouse.begin() as conn:
    batch = ops.start_batch(conn, now, "bench", "stage-workers")
started = time.perf_counter()
run_step(warehouse, batch, "land", lambda conn, b, n: land(conn, sources, b, n), lambda: now)
print(f"landed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
warehouse.engine.dispose()  # the last connection closed: SQLite folds its write-ahead log into the file
"""

STAGE = """
import datetime as dt, hashlib, json, os, resource, sys, time
from pathlib import Path
import sqlalchemy as sa
from pipeline import api_writes
from pipeline.config import load_sources
from pipeline.runner import run_step
from pipeline.steps.stage import STAGING_TABLES, stage
from settings import get_settings
from warehouse.engine import Warehouse
from warehouse.schema import metadata

now = dt.datetime(2026, 12, 1, 2, 0)
workers = int(sys.argv[2])
warehouse = Warehouse.from_url(get_settings().warehouse_url)
sources = api_writes.with_api_source(load_sources(Path(sys.argv[1])))
load = os.getloadavg()
started = time.perf_counter()
run_step(warehouse, 1, "stage", lambda conn, b, n: stage(conn, sources, b, workers=workers), lambda: now)
wall = time.perf_counter() - started
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
digest = hashlib.sha256()
with warehouse.engine.connect() as conn:
    for t in [*STAGING_TABLES, *(metadata.tables[n] for n in ("stg_reject", "stg_field_flag", "ops_watermark"))]:
        rows = sorted(repr(tuple(r)) for r in conn.execute(sa.select(t)))
        digest.update(t.name.encode() + str(len(rows)).encode() + "".join(rows).encode())
print(json.dumps({
    "workers": workers, "wall_s": round(wall, 1),
    "cpu_parent_s": round(me.ru_utime + me.ru_stime, 1), "cpu_workers_s": round(kids.ru_utime + kids.ru_stime, 1),
    "peak_rss_parent_mb": me.ru_maxrss // 1024, "peak_rss_worker_mb": kids.ru_maxrss // 1024,
    "load_before": [round(x, 1) for x in load], "load_after": [round(x, 1) for x in os.getloadavg()],
    "digest": digest.hexdigest()[:16],
}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--workers", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "C360_VAR_DIR": str(work / "var"), "PYTHONPATH": str(ROOT)}
    toml = str((args.data / "sources.toml").resolve())
    landed = work / "landed.db"
    if not landed.exists():
        partial = work / "landing.db"
        partial.unlink(missing_ok=True)
        run = [sys.executable, "-c", LAND, toml]
        subprocess.run(run, cwd=ROOT, env={**env, "C360_DATABASE_URL": f"sqlite:///{partial}"}, check=True)  # nosec B603
        partial.rename(landed)
    for workers in args.workers:
        copy = work / f"stage-{workers}.db"
        shutil.copyfile(landed, copy)
        url = f"sqlite:///{copy}"
        run = [sys.executable, "-c", STAGE, toml, str(workers)]
        log = work / f"stage-{workers}.log"
        with log.open("wb") as handle:
            subprocess.run(
                run, cwd=ROOT, env={**env, "C360_DATABASE_URL": url}, check=True, stdout=handle, stderr=handle
            )  # nosec B603
        print(log.read_text().strip().splitlines()[-1], flush=True)  # noqa: T201
        copy.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
