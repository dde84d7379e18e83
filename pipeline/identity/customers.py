"""Staged customer records -> the engine's input, and the demo data's records for evaluation.

Every source's customer-like records (QuickBooks customers, leads, activity contacts, Instagram
profiles, directory listings) are matched together as one dedupe; a record's id is
``source|source_key``, the same key the warehouse uses.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from pipeline.identity.engine import MatchSettings
from pipeline.identity.fields import FieldMap

if TYPE_CHECKING:
    from pipeline.quality.locale import Locale

logger = logging.getLogger(__name__)

CUSTOMER_FIELDS: Final = FieldMap(
    record_id="record_id",
    business_name="business_name",
    given_name="given_name",
    family_name="family_name",
    email="email",
    phone="phone",
    street="street",
    city="city",
    postcode="postcode",
    state="region",
    account_owner="sales_rep",
    country="country",
)
#: Each record's phones, postcodes, streets and states are read for its own ``country`` (the stagers write
#: the address's ISO code there); a record without one is read for the region, the firm's home country
#: (the UK here: phone numbers without a country code are British). Business records use
#: the fixed-m business model (``business.py``), where an exact trading name alone scores ~0.27:
#: clustering at 0.2 lets a name-only activity row join its business, and the constrained
#: clustering keeps two businesses with one trading name but different phones/domains/postcodes apart.
# One DuckDB thread while training: parallel float sums (u by sampling, EM) can differ in the last bit
# between runs, and golden keys must not change because of that (a re-run of the same input moves no
# customer). Scoring pairs uses every core: each pair is scored on its own, in a fixed order.
CUSTOMER_SETTINGS: Final = MatchSettings(region="GB", threshold=0.2, pair_threshold=0.2, threads=1)
#: The truth file's entity for each source's customer-like records (other entities reuse the same keys).
CUSTOMER_ENTITIES: Final = {
    "quickbooks": "Customer",
    "sales_leads": "Lead",
    "sales_activities": "Activity",
    "instagram": "Profile",
    "directory": "Listing",
}
COLUMNS: Final = (
    "record_id", "business_name", "given_name", "family_name", "email", "phone", "street", "city", "postcode", "region",
    "sales_rep", "country",
)  # fmt: skip


def record_id(source: str, source_key: str) -> str:
    return f"{source}|{source_key}"


def customer_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One ``stg_customer``-shaped row as the engine's input record (business name: company, else display name)."""
    source, key = row.get("source"), row.get("source_key")
    return {
        "record_id": record_id(str(source), str(key)) if source is not None and key is not None else None,
        "business_name": row.get("company_name") or row.get("display_name"),
        **{c: row.get(c) for c in COLUMNS[2:]},
    }


def customer_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The engine's input from ``stg_customer``-shaped rows (business name: company, else display name)."""
    return pd.DataFrame.from_records([customer_record(r) for r in rows], columns=list(COLUMNS))


def demo_customer_rows(demo_dir: Path, home: Locale) -> list[dict[str, Any]]:
    """Read and stage the demo data's sources as the stage step does (each in its own locale, else ``home``);
    the ``stg_customer`` rows they give (rejects skipped)."""
    from pipeline.config import load_sources
    from pipeline.connectors import CONNECTORS
    from pipeline.records import Rejected

    rows: list[dict[str, Any]] = []
    for source in load_sources(demo_dir / "sources.toml"):
        connector = CONNECTORS[source.type]
        stage = connector.stager_for(source, home)
        for record in connector.read(source):
            try:
                staged = stage(record)
            except Rejected:
                continue
            rows.extend({**s.values, "source": source.name} for s in staged if s.table == "stg_customer")
    return rows


def demo_truth(demo_dir: Path) -> pd.DataFrame:
    """``record_id`` -> ``entity_id`` (the true customer) from the demo data's truth file.

    Only customer-like entities count: a QuickBooks Invoice or Payment reuses Customer ids
    (``quickbooks|1`` is both Customer 1 and Invoice 1), so keeping them would give a record two truths.
    """
    with (demo_dir / "truth" / "records.csv").open(newline="", encoding="utf-8") as f:
        truth = [
            {"record_id": record_id(r["source"], r["source_key"]), "entity_id": r["customer_id"]}
            for r in csv.DictReader(f)
            if r["customer_id"] and CUSTOMER_ENTITIES.get(r["source"]) == r["entity"]
        ]
    return pd.DataFrame(truth, columns=["record_id", "entity_id"])
