"""QuickBooks API mode against a local QuickBooks Online: python-quickbooks and intuitlib over real HTTP."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from pipeline.connectors.http import AuthenticationFailed, InvalidRequest, ServiceUnavailable
from pipeline.connectors.position import MemoryPosition
from pipeline.connectors.quickbooks import API_ENTITIES, read_api
from pipeline.connectors.quickbooks.client import client_from_config
from pipeline.records import RawRecord, SourceConfig
from tests.integration.connectors.conftest import FakeClock
from tests.integration.connectors.qbo_server import QboServer, throttled
from tests.integration.connectors.servers import Reply


def sync(source: SourceConfig, clock: FakeClock, watermark: str | None = None) -> tuple[list[RawRecord], str]:
    position = MemoryPosition(watermark)
    records = list(read_api(source, position, clock=clock, sleep=clock.sleep))
    assert len(position.saves) == 1
    return records, position.saves[0]


def assert_exact_copy(records: list[RawRecord], server: QboServer) -> None:
    """Every object on the server exactly once, as the server holds it."""
    keys = [(r.entity, r.source_key) for r in records]
    assert len(keys) == len(set(keys)), "duplicates"
    for entity in API_ENTITIES:
        got = {r.source_key: r.payload for r in records if r.entity == entity}
        assert got == server.company[entity], entity


def test_full_load_pages_every_entity_and_matches_the_server_exactly(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    records, mark = sync(qbo_source, clock)
    assert_exact_copy(records, qbo)
    assert collections.Counter(r.entity for r in records) == {e: qbo.count(e) for e in API_ENTITIES}
    pages = [r.body.decode() for r in qbo.requests("/query")]
    assert "select * from Invoice STARTPOSITION 101 MAXRESULTS 100" in pages  # 500 invoices: paged
    assert json.loads(mark)["changed_since"]
    token_file = Path(qbo_source.options["token_path"]).read_bytes()
    assert b"rt-" not in token_file and b"at-" not in token_file  # encrypted at rest


def test_incremental_sync_moves_exactly_the_changed_and_deleted_records(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    _, mark = sync(qbo_source, clock)
    qbo.change("Customer", "3", DisplayName="Renamed Ltd")
    qbo.change("Customer", "7", PrimaryPhone={"FreeFormNumber": "020 7946 0000"})
    qbo.change("Invoice", "12", DocNumber="X-12")
    qbo.delete("Payment", "5")
    records, new_mark = sync(qbo_source, clock, mark)
    moved = sorted((r.entity, r.source_key) for r in records)
    assert moved == [("Customer", "3"), ("Customer", "7"), ("Invoice", "12"), ("Payment", "5")]
    by_key = {(r.entity, r.source_key): r.payload for r in records}
    assert by_key[("Customer", "3")]["DisplayName"] == "Renamed Ltd"
    assert by_key[("Payment", "5")]["status"] == "Deleted"
    assert new_mark > mark
    assert sync(qbo_source, clock, new_mark)[0] == []  # nothing changed since: nothing moves


def test_a_429_burst_backs_off_and_completes_with_nothing_lost(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    qbo.inject("/query", [throttled(), throttled(), throttled("2")], after=3)
    records, _ = sync(qbo_source, clock)
    assert_exact_copy(records, qbo)
    assert len(clock.slept) >= 3 and max(clock.slept) >= 2.0  # Retry-After honoured


def test_a_503_burst_and_a_connection_dropped_mid_page_are_retried(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    half_page = json.dumps({"QueryResponse": {"Invoice": [{"Id": "x"}] * 50}, "time": "2025-01-01T00:00:00Z"})
    qbo.inject("/query", [Reply(503, "busy"), Reply(503, "busy")], after=2)
    qbo.inject("/query", [Reply(200, half_page, {"Content-Type": "application/json"}, drop=True)], after=6)
    records, _ = sync(qbo_source, clock)
    assert_exact_copy(records, qbo)
    assert not qbo.faults  # every fault was served, and retried past
    assert len(qbo.requests("/query")) == sum(qbo.count(e) // 100 + 1 for e in API_ENTITIES) + 3


def test_an_expired_access_token_is_refreshed_once_and_the_sync_completes(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    sync(qbo_source, clock)
    qbo.expire_tokens()
    before = len(qbo.requests("/oauth2/v1/tokens/bearer"))
    records, _ = sync(qbo_source, clock)
    assert_exact_copy(records, qbo)
    assert len(qbo.requests("/oauth2/v1/tokens/bearer")) == before + 1
    assert qbo.refresh_token == "rt-2"  # the rotated refresh token was stored and used


def test_a_revoked_refresh_token_is_a_clear_error(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    sync(qbo_source, clock)
    qbo.expire_tokens()
    qbo.refresh_token = "revoked-by-user"
    with pytest.raises(AuthenticationFailed, match="re-authorise the app"):
        sync(qbo_source, clock)


def test_a_validation_fault_names_the_code_and_detail(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock, tmp_path: Path
) -> None:
    client = client_from_config(qbo_source, tmp_path, clock=clock, sleep=clock.sleep)
    with pytest.raises(InvalidRequest, match="ValidationFault 4000.*QueryParserError"):
        client.query("select everything please")


def test_a_dead_service_opens_the_circuit_and_later_calls_fail_fast(
    qbo: QboServer, qbo_source: SourceConfig, clock: FakeClock
) -> None:
    sync(qbo_source, clock)  # tokens stored
    qbo.inject("/query", [Reply(503, "down")] * 100)
    for _ in range(3):
        with pytest.raises(ServiceUnavailable):
            sync(qbo_source, clock)
    calls = len(qbo.requests("/query"))
    with pytest.raises(Exception, match="failed repeatedly"):
        sync(qbo_source, clock)
    assert len(qbo.requests("/query")) == calls  # fail fast: the dead host was not called
