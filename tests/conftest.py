"""Shared fixtures: warehouses on SQLite and on a real PostgreSQL server started for the session.

The PostgreSQL server comes from the Debian package (``initdb``/``pg_ctl`` under /usr/lib/postgresql):
a throw-away cluster on 127.0.0.1 and a free port, stopped when the session ends. Set
``C360_TEST_POSTGRES_URL`` to use a server of your own instead. Without a server the PostgreSQL tests
skip, unless ``C360_REQUIRE_POSTGRES=1`` (CI sets it), which turns that into a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

# Everything the platform keeps on disk (fitted models, secrets, caches) goes to a throw-away folder, not var/,
# one per test process: xdist workers inherit the controller's environment, and two workers' batches must not
# overwrite each other's fitted models. A C360_VAR_DIR set by the caller is kept.
if "C360_VAR_DIR" not in os.environ or os.environ["C360_VAR_DIR"] == os.environ.get("C360_TEST_VAR_DIR"):
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    os.environ["C360_VAR_DIR"] = os.environ["C360_TEST_VAR_DIR"] = tempfile.mkdtemp(
        prefix=f"c360-var-{_worker}-"
    )

# One set of personal-data keys for the whole run, inherited by the processes tests start, so every process
# reads what another wrote (tests of the key files and of rotation set their own).
if "C360_PII_KEYS" not in os.environ:
    from cryptography.fernet import Fernet

    os.environ["C360_PII_KEYS"] = Fernet.generate_key().decode("ascii")
    os.environ["C360_PII_HASH_KEY"] = Fernet.generate_key().decode("ascii")

from warehouse.engine import Warehouse


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    """Commands run as the ``postgres`` user when we are root (the server refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("C360_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("C360_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (C360_REQUIRE_POSTGRES=1) but no server binaries were found")
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="c360-pg-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_postgres(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} -c fsync=off"
    # Logical decoding for change data capture (Debezium's pgoutput), with slots for several captures at once.
    options += " -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20"
    subprocess.run(
        _as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        engine = sa.create_engine(url)
        for _ in range(50):
            try:
                with engine.connect():
                    break
            except sa.exc.OperationalError:
                time.sleep(0.2)
        engine.dispose()
        yield url
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


def pg_admin(url: str | sa.URL, statement: str) -> None:
    """Run ``statement`` (CREATE or DROP DATABASE) outside a transaction on the server of ``url``."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


@contextmanager
def fresh_pg_database(postgres_url: str) -> Iterator[str]:
    """While open, a new empty database on the PostgreSQL server of ``postgres_url``; dropped on the way out."""
    name = f"c360_{os.getpid()}_{time.monotonic_ns()}"
    pg_admin(postgres_url, f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        pg_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def pg_database(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL server."""
    with fresh_pg_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty warehouse URL on each dialect we test against."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture()
def warehouse(warehouse_url: str) -> Iterator[Warehouse]:
    wh = Warehouse.from_url(warehouse_url)
    try:
        yield wh
    finally:
        wh.engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran against the real PostgreSQL server, so a log shows they were not skipped."""
    stats = terminalreporter.stats
    counts = {
        outcome: sum(1 for r in stats.get(outcome, []) if "[postgresql" in getattr(r, "nodeid", ""))
        for outcome in ("passed", "failed", "skipped")
    }
    terminalreporter.write_line(
        f"PostgreSQL tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    )
