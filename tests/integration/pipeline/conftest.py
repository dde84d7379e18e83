"""A small demo data set (generated once per session) and helpers to compare warehouse states."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from settings import get_settings
from tests.conftest import pg_admin
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import metadata

ROOT = Path(__file__).resolve().parents[3]
DEMO_END = dt.date(2026, 11, 27)
FIXED_NOW = dt.datetime(2026, 11, 27, 23, 0, 0)
# Tables of what a batch holds; ops_ (runs), app_ (users) and dq_ (each batch's quality measurements) record
# the runs themselves.
DATA_TABLES = [t.name for t in metadata.sorted_tables if not t.name.startswith(("ops_", "app_", "dq_"))]


def fixed_clock() -> dt.datetime:
    return FIXED_NOW


def generate_demo(out: Path, customers: int, *extra: str) -> Path:
    """Generate a demo data set with the real CLI; returns its sources.toml."""
    cmd = [sys.executable, "-m", "pipeline", "demo-data", "--customers", str(customers), "--seed", "7"]
    cmd += ["--end", DEMO_END.isoformat(), "--out", str(out), *extra]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, timeout=300)
    return out / "sources.toml"


@contextmanager
def demo_settings(root: Path) -> Iterator[Warehouse]:
    """While open, settings point at a migrated SQLite warehouse and a model folder under ``root``.

    The warehouse stays usable after the block (its pooled connections are closed on the way out).
    """
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("C360_VAR_DIR", str(root / "var"))
            patch.setenv("C360_DATABASE_URL", f"sqlite:///{root / 'warehouse.db'}")
            get_settings.cache_clear()
            warehouse = Warehouse.from_url(get_settings().warehouse_url)
            upgrade(warehouse)
            try:
                yield warehouse
            finally:
                warehouse.engine.dispose()
    finally:
        get_settings.cache_clear()  # the next caller reads the restored environment


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 150, "--malformed", "2")


class FirstBatch:
    """The demo data's first batch, run once per test process and dialect, and copied into a test's warehouse.

    Many tests start from "a warehouse after one batch of the demo data" and then change something; the copy
    is the same warehouse their own first batch would have made (same data, same clock, same settings), so only
    what they go on to do is run. The demo's files are compared by their paths below the data set's folder, so a
    copied data set (:func:`copy_demo`) reads as unchanged.
    """

    def __init__(self, demo_sources: Path, root: Path, own_var: bool = False) -> None:
        """``own_var``: the template's batch runs with a var folder of its own (keys, models), copied with the
        warehouse into the var folder of the settings at the time of the copy; otherwise the batch shares the
        settings' var folder, as tests of one process do."""
        self.demo_sources, self.root, self.own_var = demo_sources, root, own_var
        self.templates: dict[str, str] = {}  # dialect -> SQLite file or PostgreSQL database name
        self.server: sa.URL | None = None  # the PostgreSQL server holding the template

    def copy_into(self, warehouse: Warehouse) -> Warehouse:
        """``warehouse`` (empty, or about to be replaced) now holds the first batch, batch 1; returns it."""
        from pipeline.config import load_sources
        from pipeline.runner import run_batch

        url = warehouse.engine.url
        if warehouse.dialect not in self.templates:
            if warehouse.dialect == "sqlite":
                template = Warehouse.from_url(f"sqlite:///{self.root / 'first-batch.db'}")
                name = str(self.root / "first-batch.db")
            else:
                name, self.server = f"c360_{self.root.name}_{url.database}".replace("-", "_"), url
                self._admin(url, f'CREATE DATABASE "{name}"')
                template = Warehouse.from_url(url.set(database=name).render_as_string(hide_password=False))
            upgrade(template)
            with pytest.MonkeyPatch.context() as patch:
                if self.own_var:
                    patch.setenv("C360_VAR_DIR", str(self.root / "var"))
                get_settings.cache_clear()
                outcome = run_batch(template, load_sources(self.demo_sources), clock=fixed_clock)
            get_settings.cache_clear()
            assert outcome.status == "succeeded"
            template.engine.dispose()
            self.templates[warehouse.dialect] = name
        warehouse.engine.dispose()
        if warehouse.dialect == "sqlite":
            with (
                closing(sqlite3.connect(self.templates["sqlite"])) as source,
                closing(sqlite3.connect(str(url.database))) as target,
            ):
                source.backup(target)
        else:
            self._admin(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            self._admin(url, f'CREATE DATABASE "{url.database}" TEMPLATE "{self.templates["postgresql"]}"')
        if self.own_var:
            shutil.copytree(self.root / "var", get_settings().var_dir, dirs_exist_ok=True)
        return warehouse

    @staticmethod
    def _admin(url: sa.URL, statement: str) -> None:
        pg_admin(url.set(database="postgres"), statement)

    def drop(self) -> None:
        """Drop the PostgreSQL template, if one was made (the SQLite file goes with the test's folders)."""
        if "postgresql" in self.templates and self.server is not None:
            # Suppressed: the session's own server may have stopped already, and its databases went with it.
            with suppress(sa.exc.OperationalError):
                self._admin(
                    self.server, f'DROP DATABASE IF EXISTS "{self.templates["postgresql"]}" WITH (FORCE)'
                )


@pytest.fixture(scope="session")
def first_batch(demo_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstBatch]:
    batch = FirstBatch(demo_sources, tmp_path_factory.mktemp("first-batch"))
    yield batch
    batch.drop()


def copy_demo(demo_sources: Path, tmp_path: Path) -> Path:
    """A copy of the demo data set that a test may damage; returns its sources.toml."""
    root = tmp_path / "demo"
    shutil.copytree(demo_sources.parent, root)
    return root / "sources.toml"


def change_a_phone(sources: Path, phone: str = "020 7946 0321") -> None:
    """The first QuickBooks customer of a copied demo data set changes their phone, as customers do."""
    page = sorted((sources.parent / "quickbooks" / "Customer").glob("page-*.json"))[0]
    body = json.loads(page.read_text(encoding="utf-8"))
    customer = body["QueryResponse"]["Customer"][0]
    customer["PrimaryPhone"] = {"FreeFormNumber": phone}
    customer["SyncToken"] = str(int(customer.get("SyncToken", "0")) + 1)
    page.write_text(json.dumps(body), encoding="utf-8")


def staged_leads(warehouse: Warehouse) -> dict[str, int]:
    """Staged lead key -> golden customer key."""
    query = sa.text(
        "SELECT s.source_key, x.customer_key FROM stg_customer s JOIN customer_xref x"
        " ON x.source = s.source AND x.source_key = s.source_key WHERE s.source = 'sales_leads'"
    )
    with warehouse.engine.connect() as conn:
        return {k: int(c) for k, c in conn.execute(query).all()}


def snapshot(warehouse: Warehouse, tables: list[str] = DATA_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables``, sorted, so two warehouse states can be compared."""
    state = {}
    with warehouse.engine.connect() as conn:
        for name in tables:
            rows = conn.execute(sa.select(metadata.tables[name])).all()
            state[name] = sorted((tuple(r) for r in rows), key=repr)
    return state
