"""Backups of the warehouse: ``python -m warehouse.backup create | restore FILE | list | verify FILE``.

SQLite is copied with its online backup API (readers and writers carry on), PostgreSQL with ``pg_dump``
in the custom format (restored with ``pg_restore --clean``), and SQL Server gets ``BACKUP DATABASE`` /
``RESTORE DATABASE`` scripts to run with ``sqlcmd`` on its host (the files land on the server, not here).
Each backup has a manifest beside it: every table's row count and a checksum of its rows, so a restore
is checked against what was backed up. The newest ``keep`` backups are kept (:func:`prune`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump and pg_restore, with argument lists, never a shell
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from warehouse.engine import Warehouse, WarehouseError

logger = logging.getLogger(__name__)

PREFIX = "c360-"
SUFFIXES = {"sqlite": ".sqlite", "postgresql": ".pgdump", "mssql": ".bak.sql"}
MANIFEST = ".manifest.json"
STAMP = "%Y%m%dT%H%M%S"
Clock = Callable[[], dt.datetime]


class BackupError(WarehouseError):
    """A backup or restore could not be made, or a restore does not match its backup."""


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def table_sums(url: str) -> dict[str, TableSum]:
    """Every table's row count and a checksum of its rows (in primary-key order), for comparing copies."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        sums: dict[str, TableSum] = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                digest, rows = hashlib.sha256(), 0
                for row in conn.execute(sa.select(table).order_by(*order)):
                    digest.update(json.dumps(list(row), default=str).encode())
                    rows += 1
                sums[name] = TableSum(rows, digest.hexdigest())
        return sums
    finally:
        engine.dispose()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string (no password) and the environment carrying the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({result.returncode}): {result.stderr.strip()[:2000]}")


def sqlserver_scripts(database: str, path: str) -> tuple[str, str]:
    """The T-SQL that backs ``database`` up to ``path`` on the server (checked), and the one restoring it."""
    db = database.replace("]", "]]")
    file = path.replace("'", "''")
    backup = (
        f"BACKUP DATABASE [{db}] TO DISK = N'{file}'\n"
        f"    WITH COPY_ONLY, COMPRESSION, CHECKSUM, INIT, NAME = N'Customer 360 {db}';\n"
        f"RESTORE VERIFYONLY FROM DISK = N'{file}' WITH CHECKSUM;\n"
    )
    restore = (
        f"ALTER DATABASE [{db}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n"
        f"RESTORE DATABASE [{db}] FROM DISK = N'{file}' WITH REPLACE, CHECKSUM, RECOVERY;\n"
        f"ALTER DATABASE [{db}] SET MULTI_USER;\n"
    )
    return backup, restore


def create_backup(url: str, directory: Path, clock: Clock = utc_now) -> Path:
    """Back the warehouse at ``url`` up into ``directory``; returns the backup file."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect not in SUFFIXES:
        raise BackupError(f"no backup method for {dialect} warehouses")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{PREFIX}{clock():{STAMP}}{SUFFIXES[dialect]}"
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while others use the file
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        dsn, env = _libpq(parsed)
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", dsn], env)
    else:
        server_file = f"/var/opt/mssql/backup/{target.name.removesuffix('.sql')}"
        backup, restore = sqlserver_scripts(parsed.database or "c360", server_file)
        target.write_text(backup, encoding="utf-8")
        target.with_name(target.name.replace(".bak.sql", ".restore.sql")).write_text(
            restore, encoding="utf-8"
        )
        logger.info("SQL Server backup script written: run it with sqlcmd -i %s on the server", target)
        return target
    manifest = {name: [s.rows, s.sha256] for name, s in table_sums(url).items()}
    _manifest_path(target).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    logger.info("backup written: %s (%d tables)", target, len(manifest))
    return target


def _manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST)


def restore_backup(backup: Path, url: str) -> dict[str, TableSum]:
    """Replace the warehouse at ``url`` with ``backup``, then check it against the backup's manifest."""
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite" and backup.suffix == ".sqlite":
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        target = sqlite3.connect(str(parsed.database))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif dialect == "postgresql" and backup.suffix == ".pgdump":
        dsn, env = _libpq(parsed)
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                "-d",
                dsn,
                str(backup),
            ],
            env,
        )
    else:
        raise BackupError(f"{backup.name} cannot be restored into a {dialect} warehouse from here")
    return verify_backup(backup, url)


def verify_backup(backup: Path, url: str) -> dict[str, TableSum]:
    """The warehouse's table sums, after checking they equal the backup's manifest; raises when they do not."""
    expected = json.loads(_manifest_path(backup).read_text(encoding="utf-8"))
    actual = table_sums(url)
    wrong = sorted(
        name
        for name in set(expected) | set(actual)
        if name not in actual
        or name not in expected
        or [actual[name].rows, actual[name].sha256] != expected[name]
    )
    if wrong:
        raise BackupError(f"the warehouse does not match {backup.name}: tables {', '.join(wrong)} differ")
    return actual


def list_backups(directory: Path) -> list[Path]:
    """The backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.glob(f"{PREFIX}*")
        if p.suffix in {".sqlite", ".pgdump"} or p.name.endswith(".bak.sql")
    )


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups (and their manifests); returns what was deleted."""
    old = list_backups(directory)[:-keep] if keep > 0 else list_backups(directory)
    for path in old:
        path.unlink()
        for extra in (_manifest_path(path), path.with_name(path.name.replace(".bak.sql", ".restore.sql"))):
            if extra != path:
                extra.unlink(missing_ok=True)
        logger.info("backup removed (retention): %s", path.name)
    return old


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    from settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m warehouse.backup", description="Warehouse backups")
    parser.add_argument("--dir", type=Path, help="backup folder (default: settings.backup_path)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("create", help="back the warehouse up now, then apply retention")
    restore = sub.add_parser("restore", help="replace the warehouse with a backup, then check it")
    restore.add_argument("file", type=Path)
    verify = sub.add_parser("verify", help="check the warehouse against a backup's manifest")
    verify.add_argument("file", type=Path)
    sub.add_parser("list", help="the backups kept, oldest first")
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    directory = args.dir or settings.backup_path
    out = sys.stdout.write
    try:
        if args.command == "create":
            made = create_backup(settings.warehouse_url, directory)
            prune(directory, settings.backup_keep)
            out(f"{made}\n")
        elif args.command == "list":
            for path in list_backups(directory):
                out(f"{path.name}\t{path.stat().st_size}\n")
        else:
            file = args.file if args.file.is_absolute() or args.file.exists() else directory / args.file
            if args.command == "restore":
                Warehouse.from_url(settings.warehouse_url).engine.dispose()
                sums = restore_backup(file, settings.warehouse_url)
            else:
                sums = verify_backup(file, settings.warehouse_url)
            rows = sum(s.rows for s in sums.values())
            out(f"{args.command}: {file.name} matches: {len(sums)} tables, {rows} rows\n")
    except (BackupError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
