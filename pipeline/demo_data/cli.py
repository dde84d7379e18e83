"""Command line: ``python -m pipeline.demo_data --customers N --seed S --out DIR [...]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.demo_data.generate import Options, generate
from pipeline.demo_data.market import Drop

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demo-data",
        description="Generate the Miracle Corporation demo data set in each source's own format.",
    )
    parser.add_argument(
        "--customers", type=int, default=5000, help="real-world customers and prospects (default 5000)"
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed; the same seed gives the same files"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument(
        "--end", type=dt.date.fromisoformat, default=None, help="last day of sales (default: today)"
    )
    parser.add_argument(
        "--plant-drop",
        action="append",
        type=Drop.parse,
        default=[],
        metavar="REGION:YYYY-MM-DD:FRACTION",
        help="cut a region's sales by FRACTION in the week starting that day (repeatable)",
    )
    parser.add_argument(
        "--malformed", type=int, default=0, metavar="K", help="plant K malformed records per source"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes to write with (default: 2 where there are 2 cores); the files are the same",
    )
    parser.add_argument("--fast", action="store_true", help=argparse.SUPPRESS)  # older scripts; always fast
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; prints a JSON summary (counts per source and entity, seconds) to stdout."""
    args = build_parser().parse_args(argv)
    if args.customers < 1:
        raise SystemExit("--customers must be at least 1")
    options = Options(
        customers=args.customers,
        seed=args.seed,
        end=args.end or dt.date.today(),
        drops=tuple(args.plant_drop),
        malformed=max(args.malformed, 0),
    )
    summary = generate(args.out, options, processes=max(args.processes, 1))
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0
