"""``python -m pipeline.events broker | cdc``: run Kafka, and Debezium on the warehouse, for the demo on this machine."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from pipeline.events.broker import LocalKafka, create_topics
from pipeline.events.connect import DebeziumConnect
from pipeline.events.outbox import relay_to_kafka
from settings import Settings, get_settings
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)


def _stop_on_sigterm() -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _wait_while(running: LocalKafka | DebeziumConnect) -> int:
    """Block until Ctrl-C / SIGTERM (0) or until the process stops on its own (1)."""
    try:
        while running.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    logger.error("stopped on its own; see %s", running.log_file)
    return 1


def run_broker(settings: Settings, directory: Path | None = None, port: int = 0) -> int:
    """Start a local broker with the contract's topics and keep it running until interrupted."""
    kafka = LocalKafka(directory or settings.var_dir / "kafka-data", port=port)
    _stop_on_sigterm()
    try:
        kafka.start()
        create_topics(kafka.bootstrap)
        logger.info(
            "Kafka is running on %s: set C360_KAFKA_BOOTSTRAP=%s; Ctrl-C stops it",
            kafka.bootstrap,
            kafka.bootstrap,
        )
        return _wait_while(kafka)
    finally:
        kafka.stop()


def run_cdc(settings: Settings, bootstrap: str, slot: str) -> int:
    """Capture the warehouse's customers and campaigns with Debezium until interrupted."""
    connect = DebeziumConnect(
        settings.var_dir / "kafka-connect", bootstrap, settings.warehouse_url, slot=slot
    )
    _stop_on_sigterm()
    try:
        connect.start()
        logger.info("Debezium is writing %s to %s; Ctrl-C stops it", ", ".join(connect.topics), bootstrap)
        return _wait_while(connect)
    finally:
        connect.stop()


def run_relay(settings: Settings, bootstrap: str, poll_seconds: float = 0.2) -> int:
    """Publish the warehouse's outbox (SQLite's captured changes) to ``c360.cdc.<table>`` until interrupted."""
    warehouse = Warehouse.from_url(settings.warehouse_url)
    _stop_on_sigterm()
    logger.info("Ctrl-C stops the relay")
    try:
        relay_to_kafka(warehouse, bootstrap, threading.Event(), poll_seconds=poll_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        warehouse.engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.events", description="Customer 360 events on Kafka"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    broker = sub.add_parser(
        "broker", help="run a local Kafka broker with the contract's topics (needs make kafka-jars)"
    )
    broker.add_argument("--dir", type=Path, help="data directory (default: var/kafka-data)")
    broker.add_argument(
        "--port", type=int, default=0, help="listener port (default: the last one, or a free one)"
    )
    cdc = sub.add_parser(
        "cdc", help="stream the warehouse's customer and campaign changes to Kafka (PostgreSQL)"
    )
    cdc.add_argument("--bootstrap", required=True, help="the broker, host:port")
    cdc.add_argument("--slot", default="c360_cdc", help="the replication slot and publication name")
    relay = sub.add_parser("relay", help="publish the outbox of warehouse changes to Kafka (SQLite)")
    relay.add_argument("--bootstrap", required=True, help="the broker, host:port")
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "broker":
        return run_broker(settings, args.dir, args.port)
    if args.command == "relay":
        return run_relay(settings, args.bootstrap)
    return run_cdc(settings, args.bootstrap, args.slot)


if __name__ == "__main__":
    sys.exit(main())
