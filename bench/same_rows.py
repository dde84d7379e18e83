"""Do two versions of the code give the same warehouse? One batch each over the same data, every table compared.

    python bench/same_rows.py --former <git ref> [--data DIR] [--work DIR] [--compare-only]

The former code is ``git archive <ref>``; the current code is this working tree. Each runs
``python -m pipeline migrate`` and ``python -m pipeline run`` as a child process into its own fresh SQLite
file, with the same PII keys (so encrypted columns are compared as plaintext). Every table of the schema
is then read from both and compared row for row, as sorted multisets. What differs between any two runs
of the same code is left out: columns that hold a time, times written inside text (``scored_at`` in an
event's JSON; not in the land and staging tables, which are compared whole) and the random ``linker_uid``
Splink gives each trained model. ``--compare-only`` compares the warehouses a previous run left in
``--work``. Exit status 0 when every table is the same.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess  # nosec B404
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.crypto import new_key  # noqa: E402
from warehouse.schema import metadata  # noqa: E402

TIME_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
LINKER_UID = re.compile(r'"linker_uid": "\w+"')
MEASURED = {("ops_step_run", "peak_rss_mb")}  # differs between any two runs, as times do


def export(ref: str, into: Path) -> Path:
    """The files of ``ref`` under ``into`` (``git archive``; no checkout touches the working tree)."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    archive = into.with_suffix(".tar")
    with archive.open("wb") as handle:
        subprocess.run(["git", "archive", ref], cwd=ROOT, stdout=handle, check=True)  # nosec B603 B607
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return into


def run_batch(tree: Path, data: Path, work: Path, keys: Path) -> tuple[str, float]:
    """Migrate a fresh SQLite warehouse and run one batch with the code in ``tree``; returns (url, seconds)."""
    var = work / "var"
    if work.exists():
        shutil.rmtree(work)
    var.mkdir(parents=True)
    for name in ("pii-keys", "pii-hash-key"):
        shutil.copy(keys / name, var / name)
    url = f"sqlite:///{work / 'warehouse.db'}"
    env = {**os.environ, "C360_DATABASE_URL": url, "C360_VAR_DIR": str(var), "PYTHONPATH": str(tree)}
    tick = time.perf_counter()
    with (work / "batch.log").open("w") as log:
        for command in (["migrate"], ["run", "--config", str(data / "sources.toml")]):
            subprocess.run(  # nosec B603
                [sys.executable, "-m", "pipeline", *command],
                cwd=tree,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
    return url, time.perf_counter() - tick


def table_rows(engine: sa.Engine, table: sa.Table, names: set[str]) -> Counter[tuple[Any, ...]]:
    """The table's rows in the columns ``names`` without those set by the clock or measured, as a multiset."""
    columns = [c for c in table.columns if c.name in names and not _is_time(c) and not _is_measured(c)]
    exact = table.name.startswith(("land_", "stg_"))  # what land and stage wrote is compared unmasked
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns))
        return Counter(tuple(r) if exact else tuple(_mask(v) for v in r) for r in rows)


def _mask(value: Any) -> Any:
    """A value with the times and random ids inside text replaced by a placeholder."""
    if not isinstance(value, str):
        return value
    return LINKER_UID.sub('"linker_uid": "-"', TIME_IN_TEXT.sub("<time>", value))


def _is_measured(column: sa.Column[Any]) -> bool:
    """A column holding what a run measured of itself (a step's peak memory)."""
    return (column.table.name, column.name) in MEASURED


def _is_time(column: sa.Column[Any]) -> bool:
    """A column set from the clock (a timestamp, whatever its dialect variant)."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.DateTime)


def compare(former: str, current: str) -> list[str]:
    """One line per table that differs (empty: the warehouses are the same)."""
    old, new = sa.create_engine(former), sa.create_engine(current)
    different = []
    for name, table in sorted(metadata.tables.items()):
        try:
            columns = [{c["name"] for c in sa.inspect(e).get_columns(name)} for e in (old, new)]
            if columns[0] != columns[1]:
                print(
                    f"  {name}: compared without the columns only one has: {sorted(columns[0] ^ columns[1])}"
                )
            a, b = (table_rows(e, table, columns[0] & columns[1]) for e in (old, new))
        except sa.exc.OperationalError as e:
            different.append(f"{name}: not readable ({str(e).splitlines()[0]})")
            continue
        if a != b:
            only_old, only_new = a - b, b - a
            sample = next(iter(only_old or only_new))
            different.append(
                f"{name}: {sum(a.values())} rows before, {sum(b.values())} after; "
                f"{sum(only_old.values())} only before, {sum(only_new.values())} only after; e.g. {sample!r:.300}"
            )
        else:
            print(f"  same  {name}: {sum(a.values())} rows")
    return different


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--former", required=True, help="git ref of the code to compare with")
    parser.add_argument("--data", type=Path, required=True, help="demo data folder (with sources.toml)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "c360-same-rows")
    parser.add_argument("--compare-only", action="store_true", help="compare the last run's warehouses")
    args = parser.parse_args()
    if args.compare_only:
        return _report(args.work)
    keys = args.work / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in ("pii-keys", "pii-hash-key"):
        if not (keys / name).exists():
            (keys / name).write_text(new_key() + "\n", encoding="utf-8")
    tree = export(args.former, args.work / "former-code")
    _, seconds = run_batch(tree, args.data, args.work / "former", keys)
    print(f"former code ({args.former}): batch in {seconds:.0f} s")
    _, seconds = run_batch(ROOT, args.data, args.work / "current", keys)
    print(f"current code: batch in {seconds:.0f} s")
    return _report(args.work)


def _report(work: Path) -> int:
    os.environ["C360_VAR_DIR"] = str(work / "current" / "var")  # decrypt with the runs' keys
    former, current = (f"sqlite:///{work / name / 'warehouse.db'}" for name in ("former", "current"))
    different = compare(former, current)
    for line in different:
        print(f"  DIFFERENT  {line}")
    print("every table the same" if not different else f"{len(different)} tables differ")
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
