"""The whole batch at scale: per-step time, rows per second and peak memory, first and second batch.

    python bench/pipeline_scale.py [--customers 100000 1000000] [--backends sqlite postgresql]
                                   [--data $TMPDIR/c360-scale] [--changed 0.01]

For each size the demo data set is generated once into ``--data/c<N>`` (reused when it is there;
``--fast`` uses the bulk generator). Each backend gets a fresh warehouse: SQLite in a file, or a new
database on a PostgreSQL server this script starts from the Debian binaries (127.0.0.1, a free port,
stopped on exit). ``python -m pipeline migrate`` and ``python -m pipeline run`` then run as child
processes, so peak RSS is the batch's own (``wait4``), without the database server. Step times, rows
and each step's peak memory (sampled in the batch process, ``ops.memory``; the stage workers' not counted)
come from ``ops_step_run``.

The second batch runs on a copy of the data (hard links; only rewritten files differ) in which
``--changed`` of the QuickBooks customers changed their phone number, as a customer editing their
details would. "Customers" are real-world businesses of the demo; "records" are what the sources hold
about them (several per customer, plus their orders).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess  # nosec B404
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SEED = 42
END = "2026-11-27"


def generate(customers: int, data: Path, fast: bool) -> Path:
    """The demo data set for ``customers`` (generated when missing); returns its folder."""
    out = data / f"c{customers}"
    if (out / "sources.toml").exists():
        print(f"reusing {out}")
        return out
    args = ["--customers", str(customers), "--seed", str(SEED), "--end", END, "--out", str(out)]
    if fast:
        args.append("--fast")
    tick = time.perf_counter()
    _child([PYTHON, "-m", "pipeline.demo_data", *args], out.with_suffix(".log"), {})
    print(f"generated {customers:,} customers into {out} in {time.perf_counter() - tick:.0f} s")
    return out


def changed_copy(src: Path, fraction: float) -> Path:
    """A hard-linked copy of ``src`` in which ``fraction`` of the QuickBooks customers changed their phone."""
    out = src.with_name(f"{src.name}-changed{fraction:g}")
    if (out / "sources.toml").exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out, copy_function=os.link)
    every = max(int(round(1 / fraction)), 1)
    changed = 0
    for page in sorted((out / "quickbooks" / "Customer").glob("page-*.json")):
        body = json.loads(page.read_text(encoding="utf-8"))
        touched = False
        for obj in body["QueryResponse"]["Customer"]:
            if int(obj["Id"]) % every:
                continue
            phone = (obj.get("PrimaryPhone") or {}).get("FreeFormNumber") or "07000000000"
            obj["PrimaryPhone"] = {"FreeFormNumber": phone[:-1] + str((int(phone[-1]) + 1) % 10)}
            obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
            obj["MetaData"]["LastUpdatedTime"] = f"{END}T12:00:00+00:00"
            touched = True
            changed += 1
        if touched:
            page.unlink()  # break the hard link: the original stays as it was
            page.write_text(json.dumps(body, separators=(",", ":")), encoding="utf-8")
    print(f"second-batch data: {changed:,} QuickBooks customers changed their phone ({out})")
    return out


def _child(cmd: list[str], log: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run ``cmd`` (output to ``log``); returns (seconds, peak RSS in GB). Fails loudly on a non-zero exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    tick = time.perf_counter()
    with log.open("w") as handle:
        proc = subprocess.Popen(  # nosec B603
            cmd, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **env}
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - tick
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}")
    return seconds, usage.ru_maxrss / 1024 / 1024


def steps(url: str, batch: int) -> list[dict[str, Any]]:
    """The steps of the ``batch``-th batch (1-based) as ``ops_step_run`` recorded them."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        batches = (
            conn.execute(sa.text("SELECT batch_id FROM ops_batch_run ORDER BY batch_id")).scalars().all()
        )
        rows = conn.execute(
            sa.text(
                "SELECT step, started_at, finished_at, rows_in, rows_out, peak_rss_mb FROM ops_step_run "
                "WHERE batch_id = :b ORDER BY started_at"
            ),
            {"b": batches[batch - 1]},
        ).mappings()
        out = [dict(r) for r in rows]
    engine.dispose()
    for r in out:
        start, end = (_when(r["started_at"]), _when(r["finished_at"]))
        r["seconds"] = (end - start) if end and start else float("nan")
    return out


def _when(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return float(value.timestamp())


def run_batch(url: str, data: Path, log: Path, batch: int) -> dict[str, Any]:
    """One batch into ``url``; prints and returns its whole time, peak RSS and steps."""
    env = {"C360_DATABASE_URL": url, "C360_VAR_DIR": str(log.parent / "var")}
    seconds, rss = _child([PYTHON, "-m", "pipeline", "run", "--config", str(data / "sources.toml")], log, env)
    table = steps(url, batch)
    print(f"  batch {batch}: {seconds:,.0f} s, peak RSS {rss:.2f} GB")
    for r in table:
        rate = r["rows_out"] / r["seconds"] if r["seconds"] > 0 else float("nan")
        peak = "" if r["peak_rss_mb"] is None else f"  peak {r['peak_rss_mb']:>6,} MB"
        print(
            f"    {r['step']:<14} {r['seconds']:8.1f} s  in {r['rows_in']:>11,}  out {r['rows_out']:>11,}"
            f"  {rate:>10,.0f} rows/s{peak}"
        )
    return {"seconds": seconds, "rss_gb": rss, "steps": table}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 from the Debian binaries, for this run only; yields its admin URL."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql)")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="c360-scale-pg-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(  # nosec B603
        _as_postgres(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} -c fsync=off"
        " -c shared_buffers=256MB -c work_mem=64MB -c maintenance_work_mem=256MB -c max_wal_size=4GB"
    )
    ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run(  # nosec B603
        _as_postgres([*ctl, "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([*ctl, "-m", "fast", "stop"]), capture_output=True)  # nosec B603
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(backend: str, customers: int, work: Path, pg_admin: str | None) -> str:
    """An empty warehouse URL for ``backend``."""
    if backend == "sqlite":
        path = work / f"c{customers}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    assert pg_admin is not None  # nosec B101
    name = f"scale_c{customers}"
    admin = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_admin.rsplit("/", 1)[0] + f"/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(tempfile.gettempdir()) / "c360-scale",
        help="demo data sets (reused)",
    )
    parser.add_argument("--changed", type=float, default=0.01, help="share of customers changed for batch 2")
    parser.add_argument(
        "--fast", action="store_true", help="generate missing data sets with the bulk generator"
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the PostgreSQL server on a kill too
    work = args.data / "warehouses"
    work.mkdir(parents=True, exist_ok=True)
    figures: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        pg_admin = stack.enter_context(postgres_server()) if "postgresql" in args.backends else None
        for customers in args.customers:
            data = generate(customers, args.data, args.fast)
            changed = changed_copy(data, args.changed)
            for backend in args.backends:
                print(f"{customers:,} customers into {backend}:")
                url = fresh_database(backend, customers, work, pg_admin)
                logs = work / f"c{customers}-{backend}"
                _child(
                    [PYTHON, "-m", "pipeline", "migrate"], logs / "migrate.log", {"C360_DATABASE_URL": url}
                )
                first = run_batch(url, data, logs / "batch1.log", 1)
                second = run_batch(url, changed, logs / "batch2.log", 2)
                figures.append({"customers": customers, "backend": backend, "first": first, "second": second})
    if args.json:
        args.json.write_text(json.dumps(figures, default=str, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
