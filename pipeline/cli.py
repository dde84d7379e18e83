"""Command line: ``python -m pipeline demo-data | run | status | abandon | deletions | migrate | replay | events |
schedule``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import deletions
from pipeline.config import load_sources
from pipeline.deletions import DeletionLimits, HoldError
from pipeline.errors import PipelineError
from pipeline.events import log, projections
from pipeline.events.generator import DayPlayer, firm_from_warehouse
from pipeline.lock import LockSettings
from pipeline.quality.stewardship import StewardAlerts
from pipeline.recovery import abandon, status_report
from pipeline.runner import run_batch, utc_now
from settings import Settings, get_settings
from warehouse.engine import Warehouse, WarehouseError
from warehouse.migrate import upgrade

if TYPE_CHECKING:
    from pipeline.events.kafka_io import EventProducer

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Customer 360 batch pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "demo-data", help="generate the demo data set (see --help of this command)", add_help=False
    )
    run = sub.add_parser(
        "run", help="run one batch: land, stage, profile, match, core, relationships, marts, analytics, score"
    )
    run.add_argument("--config", type=Path, help="sources config (default: the demo data's sources.toml)")
    run.add_argument("--force", action="store_true", help="run every step even when the input is unchanged")
    run.add_argument(
        "--wait", type=float, help="seconds to wait for another run to finish (default: settings)"
    )
    sub.add_parser("status", help="what the last batch did, what it could not read, and what to do next")
    undo = sub.add_parser("abandon", help="roll a failed batch back to the last committed state")
    undo.add_argument("batch", type=int)
    undo.add_argument("--config", type=Path, help="sources config (default: the demo data's sources.toml)")
    held = sub.add_parser("deletions", help="deletions held by the circuit breaker: list, approve or discard")
    held.add_argument("action", nargs="?", choices=("list", "approve", "discard"), default="list")
    held.add_argument("hold", type=int, nargs="?")
    held.add_argument("--by", default=getpass.getuser(), help="who decides (kept in the audit log)")
    sub.add_parser("migrate", help="upgrade the warehouse schema to the newest revision")
    sub.add_parser(
        "schedule",
        help="run the scheduler (batch, retraining, retention, backups); of several replicas one leads",
    )
    sub.add_parser("replay", help="rebuild the event projections by replaying the whole event log")
    events = sub.add_parser("events", help="live events: play the demo firm's day into the event log")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    generate = events_sub.add_parser(
        "generate", help="play a day of the demo firm as events (appended to the log)"
    )
    generate.add_argument(
        "--speed", type=float, default=60.0, help="simulated seconds per real second (default 60)"
    )
    generate.add_argument("--duration", type=float, default=120.0, help="real seconds to play (default 120)")
    generate.add_argument("--seed", type=int, help="random seed (default: the current time)")
    generate.add_argument("--start-hour", type=float, default=8.0, help="simulated hour of day to start at")
    generate.add_argument(
        "--kafka",
        metavar="BOOTSTRAP",
        help="also produce to Kafka (c360.events), after publishing the customers and campaigns it enriches with",
    )
    args, rest = parser.parse_known_args(argv)
    settings = get_settings()
    from ops.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)

    if args.command == "demo-data":
        from pipeline.demo_data.cli import main as demo_main

        return int(demo_main(rest))
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    try:
        warehouse = Warehouse.from_url(settings.warehouse_url)
        upgrade(warehouse)
        if args.command == "migrate":
            return 0
        if args.command == "status":
            print(status_report(warehouse))
            return 0
        if args.command == "abandon":
            abandon(
                warehouse,
                args.batch,
                load_sources(args.config or settings.sources_path),
                lock_settings=LockSettings.from_settings(settings),
            )
            print(f"batch {args.batch} abandoned: the warehouse is back at the last committed state")
            return 0
        if args.command == "deletions":
            return _deletions(warehouse, args.action, args.hold, args.by)
        if args.command == "schedule":
            return _schedule(settings)
        if args.command == "replay":
            counts = projections.rebuild(warehouse)
            print(
                f"replayed {counts['events']} events: {counts['customers']} customers' activity, "
                f"{counts['timeline']} timeline entries"
            )
            return 0
        if args.command == "events":
            return _generate(warehouse, args.speed, args.duration, args.seed, args.start_hour, args.kafka)
        return _run(settings, warehouse, args.config, args.force, args.wait)
    except (PipelineError, WarehouseError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def _run(
    settings: Settings, warehouse: Warehouse, config: Path | None, force: bool, wait: float | None
) -> int:
    sources = load_sources(config or settings.sources_path)
    lock = LockSettings.from_settings(settings)
    if wait is not None:
        lock = replace(lock, wait=wait)
    outcome = run_batch(
        warehouse,
        sources,
        force=force,
        on_step_done=lambda batch, step: print(f"batch {batch}: {step} done", flush=True),
        limits=DeletionLimits.from_settings(settings),
        lock=lock,
        alerts=StewardAlerts(settings.steward_alert_webhook),
    )
    if outcome.status == "unchanged":
        print(f"input unchanged since batch {outcome.batch_id}; nothing to do")
    else:
        print(f"batch {outcome.batch_id} {outcome.status}: {', '.join(outcome.steps_run)}")
    if outcome.warnings:
        print("warnings:\n" + "\n".join(f"  {line}" for line in outcome.warnings.splitlines()))
    return 0


def _schedule(settings: Settings) -> int:
    """Serve the scheduler until SIGTERM or Ctrl-C (Kubernetes stops pods with SIGTERM)."""
    import signal
    import threading

    from ops.leader import serve_scheduler

    if settings.scheduler_metrics_port:  # pipeline step metrics of the batches this process runs
        from prometheus_client import start_http_server

        from ops.metrics import REGISTRY

        start_http_server(settings.scheduler_metrics_port, addr=settings.host, registry=REGISTRY)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
    signal.signal(signal.SIGINT, lambda _sig, _frame: stop.set())
    print(f"scheduler: pipeline on {settings.pipeline_cron!r} (UTC); one replica leads", flush=True)
    serve_scheduler(settings, stop)
    return 0


def _generate(
    warehouse: Warehouse,
    speed: float,
    duration: float,
    seed: int | None,
    start_hour: float,
    kafka: str | None = None,
) -> int:
    firm = firm_from_warehouse(warehouse)
    if not firm["customers"]:
        print(
            "error: the warehouse has no customers yet: run `python -m pipeline run` first", file=sys.stderr
        )
        return 1
    player = DayPlayer(
        firm["customers"],
        firm["reps"],
        firm["campaigns"],
        speed=speed,
        seed=int(time.time()) if seed is None else seed,
        sleep=time.sleep,
        order_amounts=firm["order_amounts"],
        start_hour=start_hour,
    )
    producer = _kafka_producer(warehouse, kafka) if kafka else None
    where = f"the event log and Kafka at {kafka}" if kafka else "the event log"
    print(f"playing the demo day at {speed:g}x for {duration:g} s into {where}", flush=True)
    counts: Counter[str] = Counter()
    try:
        for event in player.play(duration):
            counts[event["type"]] += log.append(warehouse, [event], "generator")
            if producer is not None:
                producer.send(event)
    except KeyboardInterrupt:
        print("stopped")
    finally:
        if producer is not None:
            producer.flush()
    print(
        f"{sum(counts.values())} events appended: " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    )
    return 0


def _kafka_producer(warehouse: Warehouse, bootstrap: str) -> EventProducer:
    """A producer of ``c360.events``, after the compacted customer and campaign topics got the warehouse's rows."""
    from dataclasses import asdict

    from pipeline.events.broker import CAMPAIGNS_TOPIC, CUSTOMERS_TOPIC
    from pipeline.events.kafka_io import EventProducer, JsonProducer
    from pipeline.events.reference import load_campaigns, load_customers

    reference = JsonProducer(bootstrap)
    customers = [asdict(c) for c in load_customers(warehouse).values()]
    campaigns = [asdict(c) for c in load_campaigns(warehouse).values()]
    reference.publish(CUSTOMERS_TOPIC, customers, "customer_key")
    reference.publish(CAMPAIGNS_TOPIC, campaigns, "campaign_id")
    reference.flush()
    print(f"published {len(customers)} customers and {len(campaigns)} campaigns to {bootstrap}", flush=True)
    return EventProducer(bootstrap)


def _deletions(warehouse: Warehouse, action: str, hold_id: int | None, actor: str) -> int:
    with warehouse.begin() as conn:
        if action == "list":
            held = deletions.holds(conn)
            for h in held:
                print(
                    f"hold {h['hold_id']}: {h['status']}, batch {h['batch_id']}, {h['source']} {h['entity']}: "
                    f"{h['reason']}"
                )
                if h["status"] == deletions.HELD:
                    print("  " + str(h["evidence"]).replace("\n", "\n  "))
            if not held:
                print("no deletions held")
            return 0
        if hold_id is None:
            raise HoldError(f"which hold? python -m pipeline deletions {action} HOLD_ID")
        landed = deletions.decide(conn, hold_id, action == "approve", actor, utc_now())
    if action == "approve":
        print(f"hold {hold_id} approved: {landed} deletions land; the next run applies them")
    else:
        print(f"hold {hold_id} discarded: the records are kept")
    return 0
