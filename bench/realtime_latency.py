"""Real-time latency benchmark: an event produced → its count in the browser's live KPI store, in real Chromium.

    python bench/realtime_latency.py --path both --rate 1000 --seconds 60            # refresh 1000 ms
    python bench/realtime_latency.py --path both --rate 1000 --seconds 60 --refresh-ms 250
    python bench/realtime_latency.py --path embedded --seconds 5 --rate 100          # a smoke run

For each path a fresh stack starts on 127.0.0.1: an empty SQLite warehouse with the demo users, on the
``kafka`` path a one-node broker with the contract's topics and the Kafka Streams application, and the portal
(``create_app(..., live=True)``, demo day off). A manager signs in with headless Chromium, which records
every change of the live KPI store (browser time, today's ``events`` count). A producer process then sends
``rate`` order events a second for ``seconds`` seconds (embedded: appended to the warehouse's event log;
kafka: produced to ``c360.events``), noting the time each was handed over. The latency of the N-th event
is the time from its produce to the first store holding a count of at least N (the warm-up events of the first
``--warmup-seconds`` at the same rate excluded, so a fresh start's slow first seconds are not timed).
Printed per path: p50, p95, p99 and max, the rate actually produced, the load average, and the ratio of
p99 to the contract's 1 s target. The refresh interval (``live_refresh_ms``) is a floor on the latency.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_stack import (  # noqa: E402
    BoardWatch,
    Chromium,
    KpiTopicWatch,
    PortalServer,
    StreamsProcess,
    produce,
    wait_for,
)

logger = logging.getLogger("bench.realtime_latency")

TARGET_SECONDS = 1.0  # the contract's p99 target (docs/realtime.md)
PASSWORD = "bench-password"  # the throw-away warehouse's demo users
SLICE_SECONDS = 10.0


@dataclass
class Result:
    """One path's figures."""

    path: str
    refresh_ms: int
    rate: float
    seconds: float
    produced: int
    produced_per_second: float
    measured: int
    missing: int
    p50: float
    p95: float
    p99: float
    max: float
    board_p50: float
    board_p99: float
    topic_p50: float | None
    topic_p99: float | None
    slices_p99: list[float]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    cpus: int
    commit_ms: int | None

    def lines(self) -> list[str]:
        setup = f"refresh {self.refresh_ms} ms" + (
            f", Streams commit.interval.ms {self.commit_ms}" if self.commit_ms is not None else ""
        )
        return [
            f"[{self.path}] {setup}; asked {self.rate:.0f} events/s for {self.seconds:.0f} s",
            f"  produced {self.produced} events, {self.produced_per_second:.0f} events/s actually",
            f"  produced -> browser store: {self.measured} events timed, {self.missing} never shown",
            f"  p50 {self.p50:.3f} s  p95 {self.p95:.3f} s  p99 {self.p99:.3f} s  max {self.max:.3f} s",
            f"  of which produced -> the portal's board (server side): p50 {self.board_p50:.3f} s  "
            f"p99 {self.board_p99:.3f} s",
            *(
                [
                    f"  of which produced -> committed on c360.kpis: p50 {self.topic_p50:.3f} s  p99 {self.topic_p99:.3f} s"
                ]
                if self.topic_p50 is not None and self.topic_p99 is not None
                else []
            ),
            f"  p99 per {SLICE_SECONDS:.0f} s of the run: " + " ".join(f"{x:.2f}" for x in self.slices_p99),
            f"  baseline: the contract's p99 target of {TARGET_SECONDS:.0f} s; p99 / target = "
            f"{self.p99 / TARGET_SECONDS:.2f} ({'met' if self.p99 <= TARGET_SECONDS else 'NOT met'})",
            f"  load average before {fmt_load(self.load_before)}, after {fmt_load(self.load_after)} "
            f"({self.cpus} CPUs)",
        ]


def fmt_load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in load)


def latencies(produced: list[float], seen: list[tuple[float, int]], base: int) -> tuple[list[float], int]:
    """Seconds from the k-th produce to the first store change counting at least ``base + k`` events; and how
    many events no store change counted."""
    out: list[float] = []
    j, best = 0, 0
    changes = sorted(seen)
    for k, at in enumerate(produced, start=1):
        while j < len(changes) and best < base + k:
            best = max(best, changes[j][1])
            j += 1
        if best < base + k:
            return out, len(produced) - len(out)
        out.append(max(changes[j - 1][0] - at, 0.0))
    return out, 0


def slices(produced: list[float], timed: list[float], q: float) -> list[float]:
    """The ``q`` quantile of the latencies of the events produced in each SLICE_SECONDS of the run: a growing
    backlog climbs from slice to slice, a stall shows in one."""
    if not timed:
        return []
    start = produced[0]
    groups: dict[int, list[float]] = {}
    for at, latency in zip(produced, timed, strict=False):
        groups.setdefault(int((at - start) // SLICE_SECONDS), []).append(latency)
    return [quantile(groups[k], q) for k in sorted(groups)]


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (inclusive method; nearest rank beyond 99)."""
    if not values:
        return math.nan
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


def run_producer(
    transport: str, target: str, run: str, first: int, count: int, rate: float, out: Path
) -> list[float]:
    """Produce in a process of its own (as producers are), so the portal's process is not slowed by it."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(
        target=produce, args=(transport, target, run, first, count, rate, str(out)), daemon=True
    )
    proc.start()
    proc.join(count / rate * 5 + 120)
    if proc.is_alive():
        proc.kill()
        proc.join(10)
        raise TimeoutError(f"the producer did not finish {count} events")
    if proc.exitcode != 0:
        raise RuntimeError(f"the producer failed (exit {proc.exitcode})")
    return list(json.loads(out.read_text())["times"])


def run_path(args: argparse.Namespace, path: str, refresh_ms: int, work: Path) -> Result:
    """Start the path's stack, time ``args.rate`` × ``args.seconds`` events into the browser, tear it down."""
    from pydantic import SecretStr

    from app import create_app, stop_live
    from components import ids
    from components.live_callbacks import current_board
    from pipeline.events.broker import LocalKafka, create_topics
    from settings import Settings
    from warehouse import users
    from warehouse.engine import Warehouse

    work.mkdir(parents=True)
    url = f"sqlite:///{work / 'warehouse.db'}"
    warehouse = Warehouse.from_url(url)
    warehouse.create_all()
    users.ensure_demo_users(warehouse, PASSWORD)
    run = f"{path[0]}{refresh_ms}-{int(time.time())}"
    with contextlib.ExitStack() as stack:
        stack.callback(warehouse.engine.dispose)
        bootstrap, commit_ms = "", None
        if path == "kafka":
            started = time.monotonic()
            broker = LocalKafka(work / "kafka", jars=args.kafka_jars)
            stack.callback(broker.stop)
            broker.start()
            bootstrap = broker.bootstrap
            create_topics(bootstrap)
            settings = {"commit.interval.ms": str(args.commit_ms)} if args.commit_ms else {}
            commit_ms = args.commit_ms or 100  # the application's own default
            streams = StreamsProcess(args.streams_jar, bootstrap, work / "streams", settings)
            stack.callback(streams.stop)
            streams.start()
            topic = KpiTopicWatch(bootstrap)
            topic.start()
            stack.callback(topic.stop)
            print(f"[{path}] broker {bootstrap} and Streams running in {time.monotonic() - started:.1f} s")
        settings_ = Settings(  # type: ignore[call-arg]
            _env_file=None,
            var_dir=work / "var",
            secret_key=SecretStr("bench-secret"),
            mfa_required_roles=frozenset(),
            live_demo=False,
            live_refresh_ms=refresh_ms,
            kafka_bootstrap=bootstrap,
        )
        app = create_app(settings_, warehouse, live=True)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        stack.callback(stop_live)
        portal = PortalServer(app.server).start()
        stack.callback(portal.stop)
        with app.server.app_context():
            board = BoardWatch(current_board())
        board.start()
        stack.callback(board.stop)
        browser = Chromium(work / "chromium")
        stack.callback(browser.stop)
        browser.start()
        browser.sign_in(portal.url, "manager", PASSWORD)
        browser.watch_store(ids.LIVE_KPI_STORE)
        warmup = max(int(args.rate * args.warmup_seconds), 1)
        print(f"[{path}] portal {portal.url}, manager signed in; warming up with {warmup} events")

        transport_target = bootstrap or url
        run_producer(path, transport_target, run, 0, warmup, args.rate, work / "warmup.json")
        wait_for(lambda: browser.last_count() >= warmup, 180, "the warm-up events in the browser", 0.5)
        base = browser.last_count()

        count = int(args.rate * args.seconds)
        load_before = os.getloadavg()
        print(f"[{path}] producing {count} events at {args.rate:.0f}/s")
        produced = run_producer(path, transport_target, run, warmup, count, args.rate, work / "run.json")
        load_after = os.getloadavg()
        with contextlib.suppress(TimeoutError):
            wait_for(
                lambda: browser.last_count() >= base + count, args.drain, "every event in the browser", 0.5
            )
        timed, missing = latencies(produced, browser.seen(), base)
        on_board, _ = latencies(produced, board.seen, base)
        on_topic = latencies(produced, topic.seen, base)[0] if path == "kafka" else None

    span = produced[-1] - produced[0] if len(produced) > 1 else 0.0
    return Result(
        path=path,
        refresh_ms=refresh_ms,
        rate=args.rate,
        seconds=args.seconds,
        produced=len(produced),
        produced_per_second=(len(produced) - 1) / span if span else math.nan,
        measured=len(timed),
        missing=missing,
        p50=quantile(timed, 0.50),
        p95=quantile(timed, 0.95),
        p99=quantile(timed, 0.99),
        max=max(timed) if timed else math.nan,
        board_p50=quantile(on_board, 0.50),
        board_p99=quantile(on_board, 0.99),
        topic_p50=quantile(on_topic, 0.50) if on_topic is not None else None,
        topic_p99=quantile(on_topic, 0.99) if on_topic is not None else None,
        slices_p99=slices(produced, timed, 0.99),
        load_before=load_before,
        load_after=load_after,
        cpus=os.cpu_count() or 0,
        commit_ms=commit_ms,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", choices=["embedded", "kafka", "both"], default="both")
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second (default 1000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to produce (default 60)")
    parser.add_argument(
        "--refresh-ms",
        type=int,
        nargs="+",
        default=[1000],
        help="the portal's live_refresh_ms; several values run one after another (default 1000, the setting's)",
    )
    parser.add_argument(
        "--commit-ms", type=int, default=0, help="Streams commit.interval.ms (default: the app's 100)"
    )
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=10.0,
        help="seconds of events at the rate before timing starts, waited for in the browser (default 10; "
        "the JVMs and caches of a fresh start are slow at first)",
    )
    parser.add_argument(
        "--drain", type=float, default=60.0, help="seconds to wait for the last events to show"
    )
    parser.add_argument("--kafka-jars", type=Path, default=ROOT / "var" / "kafka" / "broker")
    parser.add_argument("--streams-jar", type=Path, default=ROOT / "streams" / "target" / "c360-streams.jar")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs) after the run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    paths = ["embedded", "kafka"] if args.path == "both" else [args.path]
    work = Path(tempfile.mkdtemp(prefix="c360-rt-bench-"))
    results: list[Result] = []
    try:
        for refresh_ms in args.refresh_ms:
            for path in paths:
                result = run_path(args, path, refresh_ms, work / f"{path}-{refresh_ms}")
                results.append(result)
                print("\n".join(result.lines()), flush=True)
    finally:
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    print("\nsummary (produced -> browser store)")
    print("path      refresh  events/s    p50     p95     p99     max   p99/1s  load 1m")
    for r in results:
        print(
            f"{r.path:<9} {r.refresh_ms:>5} ms  {r.produced_per_second:>8.0f}  {r.p50:6.3f}  {r.p95:6.3f}  "
            f"{r.p99:6.3f}  {r.max:6.3f}  {r.p99 / TARGET_SECONDS:6.2f}  {r.load_after[0]:.2f}"
        )
    return 0 if all(r.missing == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
