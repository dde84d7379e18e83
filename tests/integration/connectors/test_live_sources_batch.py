"""One batch over every live connector at once (QuickBooks API, directory, Google Sheet, Instagram Graph and web),
each against its local server: every record the servers hold lands, stages (or is quarantined with a reason)
and loads into the golden customers and facts; a second batch moves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.records import SourceConfig
from pipeline.runner import run_batch
from tests.integration.connectors.directory_server import DirectoryServer, demo_cards
from tests.integration.connectors.qbo_server import QboServer
from tests.integration.connectors_instagram.conftest import demo_model, instagram, make_source  # noqa: F401
from tests.integration.connectors_instagram.fake_instagram import Model
from tests.integration.connectors_sheets.conftest import demo_rows, key_file, sheets, source  # noqa: F401
from tests.integration.connectors_sheets.fake_sheets import SheetsState
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade


@pytest.fixture
def site(demo_dir: Path) -> Iterator[DirectoryServer]:
    server = DirectoryServer(demo_cards(demo_dir / "directory")).start()
    yield server
    server.stop()


def _count(conn: sa.Connection, sql: str, **params: str) -> int:
    return int(conn.execute(sa.text(sql), params).scalar() or 0)


def test_one_batch_lands_stages_and_loads_every_live_source(
    qbo: QboServer,
    qbo_source: SourceConfig,
    site: DirectoryServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    # The Sheets and Instagram servers are those packages' fixtures, imported above.
    sheet: tuple[SheetsState, str] = request.getfixturevalue("sheets")
    sheet_source: SourceConfig = request.getfixturevalue("source")
    model: Model
    model, ig_url = request.getfixturevalue("instagram")
    monkeypatch.setenv("C360_TEST_IG_TOKEN", "token-1")
    directory = SourceConfig(
        "yp",
        "directory_web",
        None,
        {
            "start_url": f"{site.url}/search/page-1.html",
            "cache_dir": str(tmp_path / "http-cache"),
            "pace_seconds": [0.0, 0.0],
            "http": {"rate": 100.0, "burst": 5},
        },
    )
    graph = make_source("instagram_graph", ig_url, model, tmp_path / "ig-graph")
    web = make_source("instagram_web", ig_url, model, tmp_path / "ig-web")
    sources = [qbo_source, directory, sheet_source, graph, web]
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(warehouse)

    assert run_batch(warehouse, sources).status == "succeeded"

    customers = [u for h, u in model.profiles.items() if h != model.own]
    held = {
        qbo_source.name: sum(qbo.count(e) for e in qbo.company),
        "yp": len(site.listing_ids()),
        sheet_source.name: len([r for r in sheet[0].rows[1:] if any(c.strip() for c in r)]),
        graph.name: len(customers)
        + sum(len(u["posts"]) for u in customers)
        + sum(len(c) for c in model.comments.values()),
    }
    held[web.name] = held[graph.name]
    with warehouse.engine.connect() as conn:
        for name, count in held.items():
            landed = _count(conn, "SELECT COUNT(*) FROM land_record WHERE source = :s", s=name)
            assert landed == count, name
            staged_customers = _count(conn, "SELECT COUNT(*) FROM stg_customer WHERE source = :s", s=name)
            linked = _count(conn, "SELECT COUNT(*) FROM customer_xref WHERE source = :s", s=name)
            assert linked == staged_customers, f"{name}: every staged customer record has a golden customer"
        for name in (graph.name, web.name):
            interactions = _count(conn, "SELECT COUNT(*) FROM stg_interaction WHERE source = :s", s=name)
            facts = _count(conn, "SELECT COUNT(*) FROM fact_interaction WHERE source = :s", s=name)
            orphans = _count(
                conn,
                "SELECT COUNT(*) FROM stg_reject WHERE source = :s AND rule = 'unknown_customer'",
                s=name,
            )
            assert interactions > 0 and facts + orphans == interactions, name
        golden = _count(conn, "SELECT COUNT(*) FROM dim_customer")
        total = _count(conn, "SELECT COUNT(*) FROM land_record")

    assert golden > 0
    assert run_batch(warehouse, sources).status == "succeeded"
    with warehouse.engine.connect() as conn:
        assert _count(conn, "SELECT COUNT(*) FROM land_record") == total, "nothing changed, nothing lands"
