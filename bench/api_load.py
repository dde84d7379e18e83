"""Load benchmark of the REST API: 50 locust clients (a second process) against search and profile.

    C360_VAR_DIR=/tmp/api-demo python -m pipeline demo-data --out /tmp/api-demo/demo-data
    C360_VAR_DIR=/tmp/api-demo python -m pipeline run
    python bench/api_load.py --db sqlite:////tmp/api-demo/warehouse.db [--users 50 --seconds 30]
    python bench/api_load.py --db sqlite:///var/bench/portal-1000000/warehouse.db --password bench-portal-password

Serves the portal with gunicorn on a free 127.0.0.1 port (its own process group, logs in the work
directory), signs in once as the demo manager, runs locust headless from another process, and prints
p50/p95/p99 and errors per endpoint against the 100 ms target; then times identity matches one by one.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
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
    parser.add_argument("--matches", type=int, default=300, help="identity matches timed one by one")
    parser.add_argument(
        "--password",
        default=PASSWORD,
        help="the demo users' password where they exist already (bench/portal.py's warehouse: bench-portal-password)",
    )
    args = parser.parse_args()

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
            "app:create_server()",
        ],  # fmt: skip
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_up(f"{base}/api/health", server)
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "manager", "password": args.password}, timeout=30
        ).json()["access_token"]
        locust_log = open(work / "locust.log", "wb")  # noqa: SIM115 - closed below
        load_env = env | {
            "C360_BENCH_TOKEN": token,
            "C360_BENCH_KEYS": str(work / "keys.txt"),
            "C360_BENCH_TERMS": str(work / "terms.txt"),
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
        print(
            f"\n{args.users} clients for {args.seconds} s against {base} ({args.workers} workers x {args.threads} threads)"
        )
        print(
            f"{'endpoint':<10} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  p95 / target"
        )
        with open(work / "load_stats.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                p95 = float(row["95%"])
                print(
                    f"{row['Name']:<10} {row['Request Count']:>9} {row['Failure Count']:>7} "
                    f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}  {p95 / TARGET_MS:.2f}"
                )
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
