"""A small demo warehouse built by a real batch, one person picked from the demo's truth, and scanners that look
for that person's identifying values in every table, every file and the event log."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.runner import run_batch
from settings import get_settings
from tests.integration.pipeline.conftest import FirstBatch, copy_demo, fixed_clock, generate_demo
from warehouse.crypto import keyring_of
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade

#: Raw fields that identify a business or its contact, per source entity (independent of the code under test).
RAW_FIELDS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("quickbooks", "Customer"): (
        ("DisplayName",),
        ("CompanyName",),
        ("PrimaryEmailAddr", "Address"),
        ("PrimaryPhone", "FreeFormNumber"),
        ("Mobile", "FreeFormNumber"),
        ("BillAddr", "Line1"),
        ("WebAddr", "URI"),
    ),
    ("sales_leads", "Lead"): (("Company",), ("Contact",), ("Email",), ("Phone",)),
    ("sales_activities", "Activity"): (("Contact",), ("Email",)),
    ("instagram", "Profile"): (
        ("full_name",),
        ("username",),
        ("business_email",),
        ("business_phone_number",),
        ("external_url",),
    ),
    ("instagram", "Comment"): (("node", "owner", "username"),),
    ("directory", "Listing"): (("name",), ("phone",), ("street",), ("website",)),
}
CUSTOMER_ENTITIES = {"Customer", "Lead", "Listing", "Profile", "Activity"}


@dataclass(frozen=True)
class Person:
    """The demo person a test erases or exports: their true id, golden key, records and identifying values."""

    person_id: str
    customer_key: int
    records: frozenset[tuple[str, str, str]]  # (source, entity, source_key) the truth file links to them
    values: frozenset[str]


@pytest.fixture(scope="session")
def privacy_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("privacy-demo"), 60)


def build(warehouse: Warehouse, sources_toml: Path, force: bool = False) -> str:
    """Migrate (every head: the privacy revision stands beside the others until they are chained) and run a batch."""
    upgrade(warehouse, "heads")
    return run_batch(warehouse, load_sources(sources_toml), clock=fixed_clock, force=force).status


@pytest.fixture()
def demo_copy(privacy_demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo data a test may change; returns its sources.toml."""
    return copy_demo(privacy_demo, tmp_path)


@pytest.fixture()
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own var directory (models, caches), so files of other tests are not scanned."""
    monkeypatch.setenv("C360_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield get_settings().var_dir
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def privacy_first_batch(privacy_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstBatch]:
    """The small demo's first batch, run once per test process and dialect with a var folder of its own."""
    batch = FirstBatch(privacy_demo, tmp_path_factory.mktemp("privacy-batch"), own_var=True)
    yield batch
    batch.drop()


@pytest.fixture()
def built(warehouse: Warehouse, privacy_first_batch: FirstBatch, var_dir: Path) -> Warehouse:
    """The demo warehouse after one real batch (a copy of it, with its var folder: keys and models)."""
    return privacy_first_batch.copy_into(warehouse)


def truth(sources_toml: Path) -> dict[str, set[tuple[str, str, str]]]:
    """True person id -> the (source, entity, source_key) of every record the generator made for them."""
    people: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    with (sources_toml.parent / "truth" / "records.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["customer_id"]:
                people[row["customer_id"]].add((row["source"], row["entity"], row["source_key"]))
    return people


def pick_person(warehouse: Warehouse, sources_toml: Path) -> Person:
    """The person with records in the most sources whose records all resolved to one golden key of their own,
    and who has invoices."""
    people = truth(sources_toml)
    with warehouse.engine.connect() as conn:
        xref = {
            (s, k): int(c)
            for s, k, c in conn.execute(sa.text("SELECT source, source_key, customer_key FROM customer_xref"))
        }
    owners: dict[int, set[str]] = defaultdict(set)
    for pid, records in people.items():
        for s, e, k in records:
            if e in CUSTOMER_ENTITIES and (s, k) in xref:
                owners[xref[(s, k)]].add(pid)
    candidates = []
    for pid, records in people.items():
        keys = {xref.get((s, k)) for s, e, k in records if e in CUSTOMER_ENTITIES}
        if len(keys) != 1 or None in keys or not any(e == "Invoice" for _, e, _ in records):
            continue
        (key,) = keys
        assert key is not None
        if owners[key] == {pid}:
            candidates.append((len({s for s, _, _ in records}), len(records), pid, key))
    _, _, pid, key = max(candidates)
    mine = people[pid]
    others = {r for p, rs in people.items() if p != pid for r in rs}
    values = raw_values(warehouse, mine) - raw_values(warehouse, others)
    with warehouse.engine.connect() as conn:
        golden = conn.execute(
            sa.text(
                "SELECT name, email, phone, street, instagram_handle FROM dim_customer WHERE customer_key = :k"
            ),
            {"k": key},
        ).one()
    values |= {plain(warehouse, v) for v in golden if v}
    return Person(pid, key, frozenset(mine), frozenset(v for v in values if len(v) >= 5))


def raw_values(warehouse: Warehouse, records: set[tuple[str, str, str]]) -> set[str]:
    """The identifying values of ``records`` as their sources sent them (the first landed version of each)."""
    wanted = {r for r in records if (r[0], r[1]) in RAW_FIELDS}
    found: set[str] = set()
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT source, entity, source_key, payload FROM land_record")).all()
    for source, entity, key, payload in rows:
        if (source, entity, key) not in wanted:
            continue
        data = json.loads(plain(warehouse, payload))
        if data.get("GivenName") and data.get("FamilyName"):  # the contact's full name (a namesake elsewhere)
            found.add(f"{data['GivenName']} {data['FamilyName']}")
        for path in RAW_FIELDS[(source, entity)]:
            value: Any = data
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str) and value.strip():
                found.add(value.strip())
    return found


def scan_tables(warehouse: Warehouse, values: frozenset[str]) -> dict[str, list[str]]:
    """``table.column`` -> the values found in it, over every text column of every table in the database."""
    found: dict[str, list[str]] = defaultdict(list)
    with warehouse.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        for table in meta.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.String | sa.Text):
                    continue
                texts = [  # encrypted values are read in clear: erasure must have rewritten them too
                    plain(warehouse, str(v)).lower()
                    for v in conn.execute(sa.select(column).where(column.is_not(None))).scalars()
                ]
                blob = "\n".join(texts)
                for value in values:
                    if value.lower() in blob:
                        found[f"{table.name}.{column.name}"].append(value)
    return dict(found)


def plain(warehouse: Warehouse, value: str) -> str:
    """A stored value in clear (values encrypted at rest are decrypted with the warehouse's keys)."""
    return keyring_of(warehouse.engine.dialect).decrypt(value)


def scan_files(root: Path, values: frozenset[str]) -> dict[str, list[str]]:
    """File -> the values found in it, over every file under ``root``."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        hits = [v for v in values if v.lower().encode("utf-8") in data]
        if hits:
            found[str(path)] = hits
    return found
