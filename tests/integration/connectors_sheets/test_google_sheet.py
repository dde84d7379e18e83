"""google_sheet against a local Sheets API v4 server: extraction, incremental sync, faults, drift, rejects."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline import ops
from pipeline.connectors import CONNECTORS
from pipeline.connectors.changes import is_tombstone
from pipeline.connectors.http import CircuitOpen
from pipeline.connectors.spreadsheet import HeaderDriftError
from pipeline.errors import SourceError
from pipeline.records import RawRecord, Rejected, SourceConfig
from pipeline.steps import land, stage
from tests.integration.connectors_sheets.conftest import NOW
from tests.integration.connectors_sheets.fake_sheets import SheetsState
from warehouse.engine import Warehouse
from warehouse.schema import land_record, stg_customer, stg_reject

CONNECTOR = CONNECTORS["google_sheet"]


def sync(source: SourceConfig) -> list[RawRecord]:
    return list(CONNECTOR.read(source))


def test_first_sync_extracts_every_lead_and_the_pipeline_stages_them(
    sheets: tuple[SheetsState, str], source: SourceConfig, tmp_path: Path
) -> None:
    state, _ = sheets
    records = sync(source)
    expected = [r for r in state.rows[1:] if any(c.strip() for c in r)]
    assert len(records) == len(expected) == 47
    assert {r.source_key for r in records} == {r[0] for r in expected}
    assert records[0].payload["Company"] == expected[0][1]
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'wh.db'}")
    warehouse.create_all()
    fresh = dataclasses.replace(
        source, options={**source.options, "state_dir": str(tmp_path / "pipeline-state")}
    )
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, NOW, "test", "fingerprint")
        assert land(conn, [fresh], batch, NOW).rows_out == 47
        staged = stage(conn, [fresh], batch)
    with warehouse.begin() as conn:
        assert land(conn, [fresh], batch, NOW).rows_out == 0  # nothing changed since
    staged_rows = warehouse.scalar(sa.select(sa.func.count()).select_from(stg_customer))
    rejects = warehouse.scalar(sa.select(sa.func.count()).select_from(stg_reject))
    assert staged_rows + rejects == 47 == staged.rows_in
    assert warehouse.scalar(sa.select(sa.func.count()).select_from(land_record)) == 47


def test_change_three_and_delete_one_moves_exactly_four(
    sheets: tuple[SheetsState, str], source: SourceConfig
) -> None:
    state, _ = sheets
    sync(source)
    assert sync(source) == []  # nothing changed: nothing moves
    changed = {state.rows[i][0] for i in (3, 10, 20)}
    for i in (3, 10, 20):
        state.rows[i][7] = "qualified" if state.rows[i][7] != "qualified" else "contacted"
    deleted = state.rows.pop(30)[0]
    records = sync(source)
    assert len(records) == 4
    assert {r.source_key for r in records if not is_tombstone(r.payload)} == changed
    gone = [r for r in records if is_tombstone(r.payload)]
    assert [r.source_key for r in gone] == [deleted]
    assert gone[0].entity == "Lead" and set(gone[0].payload) >= {"deleted_at", "last_hash"}
    assert sync(source) == []


@pytest.mark.parametrize(
    "faults", [["429", "429", "503"], ["503", "503", "503", "503"], ["drop"], ["429", "drop", "503"]]
)
def test_throttling_and_dropped_pages_end_in_a_complete_sync(
    sheets: tuple[SheetsState, str], source: SourceConfig, faults: list[str]
) -> None:
    state, _ = sheets
    state.faults = ["ok", "ok", *faults]  # metadata and header pass; the first data page misbehaves
    records = sync(source)
    assert len(records) == len({r.source_key for r in records}) == 47
    assert any(status in (429, 503, -1) for _, status in state.log)


def test_a_token_expiring_mid_sync_is_refreshed_and_the_sync_completes(
    sheets: tuple[SheetsState, str], source: SourceConfig
) -> None:
    state, _ = sheets
    state.faults = ["ok", "ok", "ok", "expire"]  # the token dies before the second data page
    records = sync(source)
    assert len(records) == len({r.source_key for r in records}) == 47
    assert state.issued == 2
    assert [status for _, status in state.log].count(401) == 1


def test_persistent_throttling_is_a_clear_error_and_saves_no_state(
    sheets: tuple[SheetsState, str], source: SourceConfig, tmp_path: Path
) -> None:
    state, _ = sheets
    state.faults = ["ok", "ok", *["429"] * 20]
    with pytest.raises(SourceError, match="Sheets API answered 429"):
        sync(source)
    assert not (tmp_path / "state").exists()
    state.faults = []
    assert len(sync(source)) == 47


def test_renamed_and_missing_columns_are_reported_by_name(
    sheets: tuple[SheetsState, str], source: SourceConfig
) -> None:
    state, _ = sheets
    mapped = dataclasses.replace(
        source,
        options={**source.options, "columns": {"Lead ID": "Lead ID", "Company": "Company", "Email": "Email"}},
    )
    assert len(sync(mapped)) == 47
    state.rows[0][1] = "Company Name"
    with pytest.raises(HeaderDriftError) as caught:
        sync(mapped)
    message = str(caught.value)
    assert "missing ['Company']" in message and "'Company Name'" in message
    assert caught.value.expected == ["Lead ID", "Company", "Email"]
    unmapped = dataclasses.replace(
        source, options={**source.options, "state_dir": source.options["state_dir"] + "2"}
    )
    state.rows[0][1] = "Company"
    sync(unmapped)
    state.rows[0][4] = ""
    with pytest.raises(HeaderDriftError, match=r"missing \['Phone'\]"):
        sync(unmapped)


def test_malformed_rows_are_quarantined_or_flagged_with_rule_and_field(
    sheets: tuple[SheetsState, str], source: SourceConfig
) -> None:
    state, _ = sheets
    state.rows[2][0] = ""  # blank key
    state.rows[4][0] = state.rows[3][0]  # repeated key
    state.rows[6][3] = "not-an-email"
    state.rows[8][1] = ""  # required company
    state.rows[9][7] = "maybe"  # not a status
    outcomes: dict[str, tuple[str, str | None]] = {}
    flagged: list[tuple[str, str]] = []
    for record in sync(source):
        try:
            rows = CONNECTOR.stage(record)
        except Rejected as r:
            outcomes[record.source_key] = (r.rule, r.field)
            continue
        flagged += [(f.values["rule"], f.values["field"]) for f in rows if f.table == "stg_field_flag"]
    assert sorted(outcomes.values()) == sorted(
        [
            ("required", "Lead ID"),
            ("duplicate_key", "Lead ID"),
            ("required", "Company"),
            ("enum", "Status"),
        ]
    ), json.dumps(outcomes)
    assert flagged == [("email_format", "Email")]  # the lead stages without its e-mail


def test_a_dead_sheets_service_opens_the_circuit_and_is_not_called_again(
    sheets: tuple[SheetsState, str], source: SourceConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.connectors.http.BREAKERS", {})  # this test's breakers only
    state, _ = sheets
    state.faults = ["503"] * 1000
    for _ in range(3):  # each sync retries, then gives up: three failures in a row open the circuit
        with pytest.raises(SourceError):
            sync(source)
    calls = [path for path, _ in state.log if path.startswith("/v4/")]
    with pytest.raises(CircuitOpen, match="failed repeatedly"):
        sync(source)
    after = [path for path, _ in state.log if path.startswith("/v4/")]
    assert after == calls, "an open circuit sends nothing more to the dead service"
