"""Command line: ``python -m pipeline.identity dedupe|link|evaluate ...``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pipeline.identity.engine import MatchSettings, Resolution, dedupe, link
from pipeline.identity.errors import IdentityError
from pipeline.identity.evaluate import (
    BASELINES,
    DATA_SETS,
    Evaluation,
    Scores,
    evaluate_demo,
    evaluate_febrl,
    evaluate_foreign,
)
from pipeline.identity.fields import IDENTITY_FIELDS, RECORD_ID, FieldMap

logger = logging.getLogger(__name__)

#: Flags whose names differ from the field name.
_FLAG_NAMES = {"date_of_birth": "--dob"}


def _flag(field: str) -> str:
    return _FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def _add_match_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write: input rows plus cluster_id")
    p.add_argument("--pairs", type=Path, help="also write scored pairs to this CSV")
    p.add_argument(
        "--id",
        dest="record_id",
        metavar="COLUMN",
        help="column with a unique record id (default: row number)",
    )
    for field in IDENTITY_FIELDS:
        p.add_argument(_flag(field), dest=field, metavar="COLUMN", help=f"input column holding {field}")
    p.add_argument(
        "--threshold", type=float, default=MatchSettings.threshold, help="match probability to join a cluster"
    )
    p.add_argument(
        "--region",
        default=None,
        help="ISO country of phone numbers without a country code (e.g. US, GB); required when --phone is given",
    )
    p.add_argument(
        "--country",
        dest="country",
        metavar="COLUMN",
        help="column with each record's country (code or name): its phones and postcodes are read for it",
    )
    p.add_argument("--month-first", action="store_true", help="read 01/02/1990 as 2 January")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests can check it)."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.identity", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("dedupe", help="cluster the records of one CSV")
    p.add_argument("input", type=Path)
    _add_match_options(p)
    p = sub.add_parser("link", help="link the records of two CSVs")
    p.add_argument("input_a", type=Path)
    p.add_argument("input_b", type=Path)
    _add_match_options(p)
    p = sub.add_parser("evaluate", help="precision/recall on a labelled data set")
    p.add_argument("name", choices=DATA_SETS)
    p.add_argument("--no-baseline", action="store_true", help="skip the baselines")
    p.add_argument(
        "--baseline",
        dest="baselines",
        action="append",
        choices=BASELINES,
        help="run only this baseline (repeatable; default: recordlinkage and splink)",
    )
    p.add_argument("--dir", type=Path, help="demo: existing demo data directory (default: generate one)")
    p.add_argument(
        "--customers",
        type=int,
        default=None,
        help="demo: customers (default 5000); foreign: entities (default 4000)",
    )
    p.add_argument("--seed", type=int, default=42, help="demo/foreign: generator seed (default 42)")
    return parser


def _field_map(args: argparse.Namespace) -> FieldMap:
    kwargs = {f: getattr(args, f) for f in IDENTITY_FIELDS}
    return FieldMap(record_id=args.record_id, country=getattr(args, "country", None), **kwargs)


def _settings(args: argparse.Namespace) -> MatchSettings:
    return MatchSettings(threshold=args.threshold, region=args.region, day_first=not args.month_first)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _write(result: Resolution, frames: list[pd.DataFrame], args: argparse.Namespace) -> None:
    parts = []
    for i, frame in enumerate(frames):
        rows = frame.reset_index(drop=True)
        if "dataset" in result.clusters.columns:
            name = "ab"[i]
            part = result.clusters[result.clusters["dataset"] == name].reset_index(drop=True)
            rows.insert(0, "dataset", name)
        else:
            part = result.clusters
        rows.insert(0, "cluster_id", part["cluster_id"].to_numpy())
        if args.record_id is None:
            rows.insert(0, RECORD_ID, part[RECORD_ID].to_numpy())
        parts.append(rows)
    pd.concat(parts, ignore_index=True).to_csv(args.out, index=False)
    if args.pairs is not None:
        result.pairs.to_csv(args.pairs, index=False)
    n_clusters = result.clusters["cluster_id"].nunique()
    print(
        f"{len(result.clusters)} records -> {n_clusters} clusters in {result.seconds:.1f} s; wrote {args.out}"
    )


def _line(label: str, s: Scores) -> str:
    return (
        f"{label:<22} precision={s.precision:.4f} recall={s.recall:.4f} f1={s.f1:.4f} seconds={s.seconds:.2f}"
    )


def print_evaluation(ev: Evaluation) -> None:
    """Engine beside baseline, then the one summary line for the engine."""
    kind = "pairs implied by clusters" if ev.mode == "dedupe" else "A x B pairs inside clusters"
    print(f"{ev.name}: {ev.mode} of {ev.records} records, {ev.engine.true_pairs} true pairs")
    print(f"pairwise precision/recall; predicted pairs = {kind}")
    e = ev.engine
    print(_line("engine (splink/duckdb)", e) + f" predicted={e.predicted_pairs} correct={e.correct_pairs}")
    if ev.baseline is not None:
        b = ev.baseline
        print(
            _line("baseline (recordlinkage)", b) + f" predicted={b.predicted_pairs} correct={b.correct_pairs}"
        )
    if ev.splink is not None:
        s = ev.splink
        print(
            _line("baseline (plain splink)", s) + f" predicted={s.predicted_pairs} correct={s.correct_pairs}"
        )
    print(f"precision={e.precision:.4f} recall={e.recall:.4f} f1={e.f1:.4f} seconds={e.seconds:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("splink").setLevel(logging.WARNING if args.verbose else logging.ERROR)
    try:
        if args.command == "evaluate":
            baselines = () if args.no_baseline else tuple(args.baselines or BASELINES)
            if args.name == "demo":
                ev = evaluate_demo(
                    args.dir, customers=args.customers or 5000, seed=args.seed, baselines=baselines
                )
            elif args.name == "foreign":
                ev = evaluate_foreign(entities=args.customers or 4000, seed=args.seed, baselines=baselines)
            else:
                ev = evaluate_febrl(args.name, baselines=baselines)
            print_evaluation(ev)
        elif args.command == "dedupe":
            df = _read(args.input)
            _write(dedupe(df, _field_map(args), _settings(args)), [df], args)
        else:
            a, b = _read(args.input_a), _read(args.input_b)
            _write(link(a, b, _field_map(args), _settings(args)), [a, b], args)
    except (IdentityError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
