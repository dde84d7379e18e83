"""Load benchmark of the REST API: 50 locust clients (a second process) against search and profile.

    C360_VAR_DIR=/tmp/api-demo python -m pipeline demo-data --out /tmp/api-demo/demo-data
    C360_VAR_DIR=/tmp/api-demo python -m pipeline run
    python bench/api_load.py --db sqlite:////tmp/api-demo/warehouse.db [--users 50 --seconds 30]
    python bench/api_load.py --db sqlite:///var/bench/portal-1000000/warehouse.db --password bench-portal-password
    python bench/api_load.py --db ... --think 1-3   # each client pauses 1-3 s between calls (a person, a system)
    python bench/api_load.py --db ... --think 1-3 --workers 1 --profile /tmp/api-prof   # cProfile the worker

Serves the portal with gunicorn on a free 127.0.0.1 port (its own process group, logs in the work
directory), signs in once as the demo manager, runs locust headless from another process, and prints
p50/p95/p99 and errors per endpoint against the 100 ms target; then times identity matches one by one.
"""

from __future__ import annotations

import argparse
import csv
import os
import pstats
import random
import re
import resource
import socket
import statistics
import subprocess  # nosec B404  # runs our own servers and locust
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.events.broker import stop_group  # noqa: E402
from warehouse import users  # noqa: E402
from warehouse.engine import Warehouse  # noqa: E402
from warehouse.migrate import upgrade  # noqa: E402
from warehouse.schema import dim_customer, mart_customer_kpi  # noqa: E402

TARGET_MS = 100.0
PASSWORD = "bench-password-not-secret"  # nosec B105  # the benchmark's own throwaway demo users
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    stop_group(process)


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of process group ``pgid`` (Linux)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == pgid:  # state, ppid, pgrp, ...; utime and stime are the 12th and 13th after ")"
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_idle(pgid: int, seconds: float = 180, share: float = 0.15) -> tuple[float, float]:
    """Wait until the server's processes use under ``share`` of a core for two seconds running (each worker's
    live listener first loads every customer for event enrichment: ~7 s of CPU at a million customers);
    returns the seconds waited and the CPU seconds spent meanwhile."""
    started, first = time.monotonic(), group_cpu_seconds(pgid)
    calm, last = 0, first
    while calm < 2 and time.monotonic() - started < seconds:
        time.sleep(1)
        now = group_cpu_seconds(pgid)
        calm = calm + 1 if now - last < share else 0
        last = now
    return time.monotonic() - started, last - first


PROFILED = re.compile(r"GET\.api\.v1\.customers(?P<key>\.\d+)?\.(?P<ms>\d+)ms\.")


def print_profile(folder: Path, top: int = 25) -> None:
    """The functions that took the most time in the profiled search and profile requests, summed per endpoint
    (werkzeug names each file ``GET.api.v1.customers[.<key>].<ms>ms.<start>.prof``)."""
    found: dict[str, list[tuple[str, float]]] = {"search": [], "profile": []}
    for path in folder.glob("GET.api.v1.customers*.prof"):
        m = PROFILED.match(path.name)
        if m:
            found["profile" if m["key"] else "search"].append((str(path), float(m["ms"])))
    for kind, files in found.items():
        if not files:
            continue
        mean = sum(ms for _, ms in files) / len(files)
        print(f"\n{kind}: {len(files)} requests profiled, {mean:.1f} ms each on average (profiler included)")
        summed = pstats.Stats(*(f for f, _ in files), stream=sys.stdout)
        summed.files = []  # type: ignore[attr-defined]  # not the list of every file read
        summed.sort_stats("cumulative").print_stats(top)


def think_range(text: str) -> str:
    """``MIN-MAX`` seconds (``1-3``, ``0.05-0.15``), checked; the locust file reads it back."""
    low, _, high = text.partition("-")
    try:
        pause = (float(low), float(high or low))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: give the pause as MIN-MAX seconds, e.g. 1-3") from e
    if not 0 <= pause[0] <= pause[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: the pause needs 0 <= MIN <= MAX")
    return f"{pause[0]}-{pause[1]}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True, help="the warehouse URL (a demo warehouse)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--only", choices=("search", "profile"), help="load one endpoint alone (default: both, half each)"
    )
    parser.add_argument(
        "--think",
        default="0.05-0.15",
        type=think_range,
        help="each client's pause between calls, MIN-MAX seconds (default 0.05-0.15: a throughput test; "
        "1-3 is a person or an integration working through customers)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile every request of the server (cProfile, one file each in this folder) and print the "
        "functions that took the most time, summed over the load (use with --workers 1)",
    )
    parser.add_argument("--matches", type=int, default=300, help="identity matches timed one by one")
    parser.add_argument(
        "--password",
        default=PASSWORD,
        help="the demo users' password where they exist already (bench/portal.py's warehouse: bench-portal-password)",
    )
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    warehouse = Warehouse.from_url(args.db)
    upgrade(warehouse)
    users.ensure_demo_users(warehouse, args.password)
    keys = [
        int(k)
        for k in warehouse.engine.connect().execute(sa.select(mart_customer_kpi.c.customer_key)).scalars()
    ]
    people = warehouse.rows(
        sa.select(dim_customer.c.name, dim_customer.c.email, dim_customer.c.city).limit(5000)
    )
    rng = random.Random(42)  # which records to match: a sample, not a secret  # nosec B311
    terms = sorted(
        {str(p["name"]).split()[0][:5] for p in people if p["name"]}
        | {str(p["city"]) for p in people if p["city"]}
    )
    print(f"warehouse: {len(keys)} customers with marts; {len(terms)} search terms")

    work = Path(tempfile.mkdtemp(prefix="api-load-"))
    (work / "keys.txt").write_text("\n".join(map(str, keys)), encoding="utf-8")
    (work / "terms.txt").write_text("\n".join(terms), encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "C360_DATABASE_URL": args.db,
        "C360_VAR_DIR": str(work),
        "C360_SECRET_KEY": "bench-" + "x" * 40,
        "C360_COOKIE_SECURE": "false",
        "C360_LIVE_DEMO": "false",
        "C360_API_RATE_LIMIT": "1000000 per minute",
        "C360_LOG_LEVEL": "WARNING",
        "C360_MFA_REQUIRED_ROLES": "[]",  # the benchmark signs in with a password only
    }
    server_log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # nosec B603  # fixed argument list
        [
            str(BIN / "gunicorn"),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--chdir",
            str(ROOT),
            "bench.api_profiled:create()" if args.profile else "app:create_server()",
        ],  # fmt: skip
        env=env | ({"C360_BENCH_PROFILE_DIR": str(args.profile)} if args.profile else {}),
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_up(f"{base}/api/health", server)
        waited, warm_cpu = wait_idle(server.pid)
        print(
            f"server settled {waited:.0f} s after answering ({warm_cpu:.1f} s of CPU: the workers' start-up)"
        )
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "manager", "password": args.password}, timeout=30
        ).json()["access_token"]
        server_cpu = group_cpu_seconds(server.pid)
        load_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_started = time.monotonic()
        locust_log = open(work / "locust.log", "wb")  # noqa: SIM115 - closed below
        load_env = env | {
            "C360_BENCH_TOKEN": token,
            "C360_BENCH_KEYS": str(work / "keys.txt"),
            "C360_BENCH_TERMS": str(work / "terms.txt"),
            "C360_BENCH_THINK": args.think,
        }
        locust = subprocess.Popen(  # nosec B603  # fixed argument list
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "api_locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.users),
                "-t",
                f"{args.seconds}s",
                "--host",
                base,
                "--csv",
                str(work / "load"),
                "--only-summary",
                *(["--tags", args.only] if args.only else []),
            ],  # fmt: skip
            env=load_env,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            locust.wait(timeout=args.seconds + 120)
        finally:
            stop(locust)
            locust_log.close()
        wall = time.monotonic() - load_started
        server_cpu = group_cpu_seconds(server.pid) - server_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = (after.ru_utime + after.ru_stime) - (load_cpu.ru_utime + load_cpu.ru_stime)
        print(
            f"\n{args.users} clients for {args.seconds} s, pausing {args.think} s between calls, against {base} "
            f"({args.workers} workers x {args.threads} threads)"
        )
        print(
            f"{'endpoint':<10} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}  p95 / target"
        )
        served = 1
        with open(work / "load_stats.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                p95 = float(row["95%"])
                print(
                    f"{row['Name']:<10} {row['Request Count']:>9} {row['Failure Count']:>7} "
                    f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
                    f"{float(row['Max Response Time']):>7.0f}  {p95 / TARGET_MS:.2f}"
                )
                if row["Name"] == "Aggregated":
                    served = max(1, int(row["Request Count"]))
        print(
            f"CPU per request: server {server_cpu / served * 1000:.1f} ms, load generator "
            f"{locust_cpu / served * 1000:.1f} ms ({server_cpu:.1f} s + {locust_cpu:.1f} s of CPU in {wall:.0f} s; "
            f"load average {os.getloadavg()[0]:.1f})"
        )
        if args.profile:
            print_profile(args.profile)
        headers = {"Authorization": f"Bearer {token}"}
        session = requests.Session()
        timings: list[float] = []
        matched = 0
        for person in rng.sample(people, min(args.matches, len(people))):
            body = (
                {"name": person["name"], "city": person["city"]}
                if rng.random() < 0.5
                else {"email": person["email"] or "none@example.invalid"}
            )
            started = time.perf_counter()
            answer = session.post(f"{base}/api/v1/identity/match", json=body, headers=headers, timeout=30)
            timings.append((time.perf_counter() - started) * 1000)
            matched += answer.json().get("status") == "matched"
        if timings:
            print(
                f"\nidentity match, {len(timings)} calls one by one: p50 {statistics.median(timings):.1f} ms, "
                f"p95 {percentile(timings, 95):.1f} ms ({percentile(timings, 95) / TARGET_MS:.2f} of the 100 ms target); "
                f"{matched} matched"
            )
    finally:
        stop(server)
        server_log.close()
    print(f"logs: {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
