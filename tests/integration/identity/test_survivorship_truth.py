"""Golden names against the demo's truth, and a steward's override kept by the next batch."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import demo_settings, fixed_clock, generate_demo
from warehouse import audit
from warehouse.engine import Warehouse
from warehouse.overrides import set_override
from warehouse.policy import Viewer
from warehouse.profile import customer_profile

CUSTOMERS = 300
NAMES_SQL = sa.text(
    "SELECT x.customer_key, s.source, s.source_key, s.company_name, s.display_name, d.name"
    " FROM customer_xref x JOIN stg_customer s ON s.source = x.source AND s.source_key = x.source_key"
    " JOIN dim_customer d ON d.customer_key = x.customer_key"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Path]]:
    root = tmp_path_factory.mktemp("survivorship")
    sources = generate_demo(root / "demo", CUSTOMERS)
    with demo_settings(root) as warehouse:
        run_batch(warehouse, load_sources(sources), clock=fixed_clock)
        yield warehouse, sources


def _truth(sources: Path) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    truth = sources.parent / "truth"
    with (truth / "customers.csv").open(encoding="utf-8") as f:
        names = {r["customer_id"]: r["name"] for r in csv.DictReader(f)}
    with (truth / "records.csv").open(encoding="utf-8") as f:
        owners = {(r["source"], r["source_key"]): r["customer_id"] for r in csv.DictReader(f)}
    return names, owners


def _carries(value: str, name: str) -> bool:
    return " ".join(value.split()).casefold() == name.casefold()


def test_the_golden_name_is_the_true_name_whenever_most_sources_carry_it(
    demo: tuple[Warehouse, Path],
) -> None:
    warehouse, sources = demo
    names, owners = _truth(sources)
    with warehouse.engine.connect() as conn:
        rows = conn.execute(NAMES_SQL).mappings().all()
    per_customer = defaultdict(list)
    for r in rows:
        per_customer[r["customer_key"]].append(r)
    checked, repaired, wrong = 0, 0, []
    for key, records in per_customer.items():
        true_ids = {owners.get((r["source"], r["source_key"])) for r in records}
        if len(true_ids) != 1 or None in true_ids:
            continue  # a matching error is the identity tests' business, not survivorship's
        true_name = names[true_ids.pop()]
        offered = [r["company_name"] or r["display_name"] for r in records]
        offered = [v for v in offered if v]
        if sum(_carries(v, true_name) for v in offered) * 2 <= len(offered):
            continue
        checked += 1
        repaired += any(v != true_name for v in offered)  # a typo, capitals or stray spaces among them
        if records[0]["name"] != true_name:
            wrong.append((key, true_name, records[0]["name"], offered))
    assert wrong == []
    assert checked >= 100, f"only {checked} customers had a majority name"
    assert repaired >= 20, f"only {repaired} of them had a badly written variant to outvote"


def test_a_stewards_override_is_audited_and_survives_the_next_batch(demo: tuple[Warehouse, Path]) -> None:
    warehouse, sources = demo
    steward = Viewer("steward", "data_steward")
    with warehouse.engine.connect() as conn:
        key = conn.execute(
            sa.text("SELECT min(customer_key) FROM dim_customer WHERE customer_key > 0")
        ).scalar()
    set_override(warehouse, steward, key, "street", "Unit 9, Riverside Park", "customer confirmed by phone")
    profile = customer_profile(warehouse, key)
    assert profile is not None and profile.customer["street"] == "Unit 9, Riverside Park"
    assert profile.provenance["street"]["rule"] == "steward_override"
    (logged,) = [r for r in audit.audit_rows(warehouse, audit.AuditFilter(action="customer.override"))]
    assert logged["actor"] == "steward" and f"dim_customer:{key}" == logged["object"]
    assert "customer confirmed by phone" in logged["detail"]

    run_batch(warehouse, load_sources(sources), clock=fixed_clock, force=True)
    again = customer_profile(warehouse, key)
    assert again is not None and again.customer["street"] == "Unit 9, Riverside Park"
    assert again.provenance["street"]["source"] == "steward"
