"""Command line: ``python -m pipeline demo-data | run | migrate | schedule``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.config import load_sources
from pipeline.errors import PipelineError
from pipeline.runner import run_batch
from settings import Settings, get_settings
from warehouse.engine import Warehouse, WarehouseError
from warehouse.migrate import upgrade

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
    sub.add_parser("migrate", help="upgrade the warehouse schema to the newest revision")
    args, rest = parser.parse_known_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

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
        return _run(settings, warehouse, args.config, args.force)
    except (PipelineError, WarehouseError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def _run(settings: Settings, warehouse: Warehouse, config: Path | None, force: bool) -> int:
    sources = load_sources(config or settings.sources_path)
    outcome = run_batch(
        warehouse,
        sources,
        force=force,
        on_step_done=lambda batch, step: print(f"batch {batch}: {step} done", flush=True),
    )
    if outcome.status == "unchanged":
        print(f"input unchanged since batch {outcome.batch_id}; nothing to do")
    else:
        print(f"batch {outcome.batch_id} {outcome.status}: {', '.join(outcome.steps_run)}")
    return 0
