"""Command line: `python -m models evaluate NAME` prints a model card ending in one `metric=value` line."""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Sequence

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the evaluation, print its card; returns the process exit code."""
    from models.evaluate import EVALUATIONS, evaluate

    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("evaluate", help="evaluate a model on real public data")
    run.add_argument("name", choices=sorted(EVALUATIONS))
    run.add_argument("-v", "--verbose", action="store_true", help="log progress")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    started = time.perf_counter()
    card = evaluate(args.name)
    print(f"# evaluate {args.name} ({time.perf_counter() - started:.1f} s)")
    print(card.render())
    return 0
