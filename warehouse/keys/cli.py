"""Command line: ``python -m warehouse.keys status | rotate [--no-new-key] | retire KEY_ID``.

``rotate`` puts a new key first (in the key file of the embedded demo; with keys in a secret store, put the
new key first there, then run ``rotate --no-new-key``) and moves every encrypted value to it in short
transactions, so the portal keeps reading. ``retire`` takes an old key out, and refuses while a row still
holds a value under it.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging

from settings import Settings, get_settings
from warehouse.command import run_command, say
from warehouse.crypto import KeyringError, keys_file, load_keyring
from warehouse.engine import Warehouse
from warehouse.keys.rewrite import BATCH_ROWS
from warehouse.keys.rotate import KeyOperationError, add_key, check_retirable, reencrypt, remove_key, usage

logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    p = argparse.ArgumentParser(prog="python -m warehouse.keys", description="keys of personal data at rest")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="the keys, and the values each table holds under each key")
    rotate = sub.add_parser("rotate", help="a new key first, then every encrypted value re-encrypted with it")
    rotate.add_argument(
        "--no-new-key", action="store_true", help="the secret store already lists the new key first"
    )
    rotate.add_argument("--batch-rows", type=int, default=BATCH_ROWS, help="rows per transaction")
    retire = sub.add_parser("retire", help="remove an old key once no value is under it")
    retire.add_argument("key_id", help="the key's id, as `status` shows it")
    return p


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    args = parser().parse_args(argv)
    settings = settings or get_settings()
    return run_command(settings, functools.partial(_run, args, settings), (KeyOperationError, KeyringError))


def _run(args: argparse.Namespace, settings: Settings, warehouse: Warehouse) -> None:
    path = keys_file(settings)
    if args.command == "status":
        keyring = load_keyring(settings)
        say(json.dumps({"keys": list(keyring.key_ids), "values": usage(warehouse)}, indent=2))
    elif args.command == "rotate":
        if not args.no_new_key:
            if path is None:
                raise KeyOperationError(
                    "the keys come from the secret store (C360_PII_KEYS): put a new key first there, "
                    "then run `rotate --no-new-key`"
                )
            add_key(path)
        keyring = load_keyring(settings)
        say(reencrypt(warehouse, keyring, args.batch_rows).summary())
        old = ", ".join(keyring.key_ids[1:])
        if old:
            say(f"retire the old key(s) with `python -m warehouse.keys retire ID`: {old}")
    else:
        keyring = load_keyring(settings)
        check_retirable(warehouse, keyring, args.key_id)
        if path is None:
            say(f"no value is under key {args.key_id}: remove it from the secret store")
        else:
            remove_key(path, args.key_id)
            say(f"key {args.key_id} retired")
