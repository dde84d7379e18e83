"""The pipeline runs the API and web connectors from a sources.toml: every server record lands and stages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.records import SourceConfig
from pipeline.runner import run_batch
from tests.integration.connectors.directory_server import DirectoryServer, demo_cards
from tests.integration.connectors.qbo_server import REALM, QboServer
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade

SOURCES = """
[[sources]]
name = "qbo"
type = "quickbooks_api"
lawful_basis = "contract"
terms_of_service = "Intuit developer terms; our own company file"
realm_id = "{realm}"
discovery_url = "{qbo}/.well-known/openid_configuration"
base_url = "{qbo}/v3"
token_path = "{tmp}/secrets/qbo.qbo-token"
http = {{ rate = 500.0, burst = 20 }}

[[sources]]
name = "yp"
type = "directory_web"
lawful_basis = "legitimate_interests"
terms_of_service = "public listings; robots.txt honoured"
start_url = "{site}/search/page-1.html"
cache_dir = "{tmp}/http-cache"
pace_seconds = [0.0, 0.05]
http = {{ rate = 50.0, burst = 2 }}
"""


@pytest.fixture
def site(demo_dir: Path) -> Iterator[DirectoryServer]:
    server = DirectoryServer(demo_cards(demo_dir / "directory")).start()
    yield server
    server.stop()


def _setup(qbo: QboServer, site: DirectoryServer, tmp_path: Path) -> tuple[Warehouse, list[SourceConfig]]:
    """A migrated SQLite warehouse and the two live sources pointed at the local servers."""
    toml = tmp_path / "sources.toml"
    toml.write_text(SOURCES.format(realm=REALM, qbo=qbo.url, site=site.url, tmp=tmp_path), "utf-8")
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(warehouse)
    return warehouse, load_sources(toml)


def test_a_batch_lands_and_stages_exactly_what_the_servers_hold(
    qbo: QboServer, site: DirectoryServer, qbo_env: None, tmp_path: Path
) -> None:
    warehouse, sources = _setup(qbo, site, tmp_path)
    assert run_batch(warehouse, sources).status == "succeeded"
    with warehouse.engine.connect() as conn:
        landed = dict(conn.execute(sa.text(
            "SELECT entity, COUNT(DISTINCT source_key) FROM land_record WHERE source = 'qbo' GROUP BY entity")).all())  # fmt: skip
        staged = {
            "Customer": conn.execute(
                sa.text("SELECT COUNT(*) FROM stg_customer WHERE source = 'qbo'")
            ).scalar(),
            "Payment": conn.execute(
                sa.text("SELECT COUNT(*) FROM stg_payment WHERE source = 'qbo'")
            ).scalar(),
            "Listing": conn.execute(
                sa.text("SELECT COUNT(*) FROM stg_customer WHERE source = 'yp'")
            ).scalar(),
        }
        docs = dict(conn.execute(sa.text(
            "SELECT doc_type, COUNT(DISTINCT doc_key) FROM stg_sales_line WHERE source = 'qbo' GROUP BY doc_type")).all())  # fmt: skip
        rejected = dict(conn.execute(sa.text(
            "SELECT entity, COUNT(*) FROM stg_reject WHERE source IN ('qbo', 'yp') GROUP BY entity")).all())  # fmt: skip
        listings = conn.execute(sa.text("SELECT COUNT(*) FROM land_record WHERE source = 'yp'")).scalar()
    assert landed == {e: qbo.count(e) for e in qbo.company}
    assert listings == len(site.listing_ids())
    assert staged["Customer"] + rejected.get("Customer", 0) == qbo.count("Customer")
    assert staged["Payment"] + rejected.get("Payment", 0) == qbo.count("Payment")
    assert staged["Listing"] + rejected.get("Listing", 0) == len(site.listing_ids())
    assert docs["invoice"] + rejected.get("Invoice", 0) == qbo.count("Invoice")
    assert docs["sales_receipt"] + rejected.get("SalesReceipt", 0) == qbo.count("SalesReceipt")
    assert docs["credit_memo"] == qbo.count("CreditMemo")


def test_the_next_batch_moves_exactly_what_changed_on_the_server(
    qbo: QboServer, site: DirectoryServer, qbo_env: None, tmp_path: Path
) -> None:
    warehouse, sources = _setup(qbo, site, tmp_path)

    def landed() -> int:
        with warehouse.engine.connect() as conn:
            return int(
                conn.execute(sa.text("SELECT COUNT(*) FROM land_record WHERE source = 'qbo'")).scalar() or 0
            )

    run_batch(warehouse, sources)
    first = landed()
    assert run_batch(warehouse, sources).status == "succeeded"  # live sources are read again, not skipped
    assert landed() == first, "nothing changed on the server, so nothing new lands"

    customers = sorted(qbo.company["Customer"])[:4]
    for key in customers[:3]:
        qbo.change("Customer", key, DisplayName=f"Renamed {key}")
    qbo.delete("Customer", customers[3])
    run_batch(warehouse, sources)
    assert landed() == first + 4
    with warehouse.engine.connect() as conn:
        watermark = conn.execute(
            sa.text("SELECT value FROM ops_watermark WHERE name = 'extract:qbo'")
        ).scalar()
    assert watermark, "the reader's position is kept in the warehouse"
    gone = customers[3]
    with warehouse.engine.connect() as conn:
        names = dict(conn.execute(sa.text(
            "SELECT source_key, display_name FROM stg_customer WHERE source = 'qbo'")).all())  # fmt: skip
        xref = conn.execute(
            sa.text("SELECT COUNT(*) FROM customer_xref WHERE source = 'qbo' AND source_key = :k"),
            {"k": gone},
        ).scalar()
        removed = conn.execute(sa.text("SELECT reason FROM identity_event WHERE kind = 'removed'")).all()
        deleted_rejects = conn.execute(
            sa.text("SELECT COUNT(*) FROM stg_reject WHERE rule = 'deleted'")
        ).scalar()
    assert gone not in names and xref == 0, "the deleted customer leaves staging and the golden records"
    assert all(names[k] == f"Renamed {k}" for k in customers[:3] if k in names)
    assert len(removed) == 1 and "deleted at their source" in removed[0].reason
    assert deleted_rejects == 0, "a deletion is not a quarantine"


def test_a_document_deleted_in_quickbooks_leaves_the_sales_facts(
    qbo: QboServer, site: DirectoryServer, qbo_env: None, tmp_path: Path
) -> None:
    warehouse, sources = _setup(qbo, site, tmp_path)
    run_batch(warehouse, sources)

    def invoice_lines(doc: str) -> tuple[int, int]:
        with warehouse.engine.connect() as conn:
            staged = conn.execute(sa.text(
                "SELECT COUNT(*) FROM stg_sales_line WHERE source = 'qbo' AND doc_type = 'invoice' AND doc_key = :d"), {"d": doc}).scalar()  # fmt: skip
            facts = conn.execute(sa.text(
                "SELECT COUNT(*) FROM fact_sales_line WHERE doc_type = 'invoice' AND doc_key = :d"), {"d": doc}).scalar()  # fmt: skip
        return int(staged or 0), int(facts or 0)

    with warehouse.engine.connect() as conn:
        doc = conn.execute(sa.text(
            "SELECT MIN(doc_key) FROM fact_sales_line WHERE doc_type = 'invoice'")).scalar()  # fmt: skip
    assert doc is not None and all(invoice_lines(doc))
    qbo.delete("Invoice", doc)
    assert run_batch(warehouse, sources).status == "succeeded"
    assert invoice_lines(doc) == (0, 0), "a deleted invoice no longer counts as revenue"
