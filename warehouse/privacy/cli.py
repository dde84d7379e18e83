"""Command line: ``python -m warehouse.privacy export KEY --out DIR | erase KEY --by NAME --reason TEXT |
retention [--dry-run] | consent KEY PURPOSE grant|withdraw``.

Erasure and retention hold the pipeline lock, so no batch lands or stages while they rewrite the warehouse.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import logging
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.lock import LockSettings, RunLock
from pipeline.runner import utc_now
from settings import Settings, get_settings
from warehouse.command import run_command, say
from warehouse.engine import Warehouse
from warehouse.privacy.consent import LAWFUL_BASES, PURPOSES, record_consent
from warehouse.privacy.erase import erase_subject
from warehouse.privacy.export import export_subject
from warehouse.privacy.requests import PrivacyError
from warehouse.privacy.retention import RetentionPolicy, apply_retention

logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    p = argparse.ArgumentParser(prog="python -m warehouse.privacy", description="GDPR and CCPA requests")
    sub = p.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="subject access: everything held about one customer, JSON and CSV")
    export.add_argument("customer_key", type=int)
    export.add_argument("--out", type=Path, required=True, help="folder to write the export to")
    export.add_argument("--by", default=getpass.getuser(), help="who asks (kept in the audit log)")
    erase = sub.add_parser("erase", help="erasure: pseudonymise one customer everywhere (invoices are kept)")
    erase.add_argument("customer_key", type=int)
    erase.add_argument("--by", required=True, help="who carries it out (kept in the audit log)")
    erase.add_argument("--reason", required=True, help="why: the request it answers")
    retention = sub.add_parser("retention", help="remove personal data past its retention period")
    retention.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    consent = sub.add_parser("consent", help="record a customer's consent for a purpose, or its withdrawal")
    consent.add_argument("customer_key", type=int)
    consent.add_argument("purpose", choices=PURPOSES)
    consent.add_argument("decision", choices=("grant", "withdraw"))
    consent.add_argument("--basis", choices=LAWFUL_BASES, default="consent", help="lawful basis")
    consent.add_argument("--source", default="cli", help="where the customer said so")
    consent.add_argument("--by", default=getpass.getuser(), help="who records it")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    return run_command(settings, functools.partial(_run, args, settings), (PrivacyError, PipelineError))


def _run(args: argparse.Namespace, settings: Settings, warehouse: Warehouse) -> None:
    lock = LockSettings.from_settings(settings)
    if args.command == "export":
        path = export_subject(warehouse, args.customer_key, args.out, settings.var_dir, by=args.by)
        say(f"customer {args.customer_key} exported to {path}")
    elif args.command == "erase":
        with RunLock(warehouse, lock).held():
            report = erase_subject(warehouse, args.customer_key, args.by, args.reason, settings.var_dir)
        say(json.dumps({"customer_key": report.customer_key, **report.summary()}, indent=2))
    elif args.command == "retention":
        with RunLock(warehouse, lock).held():
            policy = RetentionPolicy.from_settings(settings)
            result = apply_retention(warehouse, utc_now(), policy, dry_run=args.dry_run)
        verb = "would remove" if result.dry_run else "removed"
        say(f"retention {verb}: " + ", ".join(f"{k} {v}" for k, v in result.removed.items()))
    else:
        granted = args.decision == "grant"
        record_consent(warehouse, args.customer_key, args.purpose, granted, args.by, args.basis, args.source)
        say(f"customer {args.customer_key}: {args.purpose} {'granted' if granted else 'withdrawn'}")
