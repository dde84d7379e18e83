"""Readers read back every record the generator wrote; stagers stage the good ones and reject the planted ones."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.records import RawRecord, Rejected, StagedRow
from tests.unit.connectors.connector_helpers import MALFORMED, load_sources, truth_rows


@pytest.fixture(scope="module")
def records(demo: Path) -> list[RawRecord]:
    result: list[RawRecord] = []
    for config in load_sources(demo):
        result.extend(CONNECTORS[config.type].read(config))
    return result


FILE_MODES = {"quickbooks_export", "spreadsheet", "instagram_export", "directory_html", "campaign_csv"}


def test_every_demo_source_is_a_file_mode_connector(demo: Path) -> None:
    assert {c.type for c in load_sources(demo)} == FILE_MODES
    assert set(CONNECTORS) >= FILE_MODES


def test_readers_yield_exactly_the_records_in_the_truth_file(demo: Path, records: list[RawRecord]) -> None:
    read = Counter((r.source, r.entity, r.source_key) for r in records)
    truth = Counter((t["source"], t["entity"], t["source_key"]) for t in truth_rows(demo, "records.csv"))
    assert read == truth
    assert max(read.values()) == 1  # keys are unique within a source and entity


def test_reader_counts_match_what_the_generator_reports(demo: Path, records: list[RawRecord]) -> None:
    scenario = json.loads((demo / "truth" / "scenario.json").read_text(encoding="utf-8"))
    read = Counter((r.source, r.entity) for r in records)
    for source, entities in scenario["record_counts"].items():
        for entity, count in entities.items():
            if entity != "Post":  # posts travel inside their Profile record
                assert read[(source, entity)] == count, (source, entity)


def test_payloads_are_json_serialisable(records: list[RawRecord]) -> None:
    for r in records[:: max(1, len(records) // 500)]:
        assert len(r.content_hash()) == 64


FLAGGED_RULES = (
    "phone_format",
    "email_format",
    "postcode_format",
)  # a bad contact field is flagged, not rejected


def test_good_records_stage_and_planted_ones_are_rejected_or_flagged_with_their_rule(
    demo: Path, records: list[RawRecord]
) -> None:
    planted = {
        (m["source"], m["entity"], m["source_key"]): (m["rule"], m["field"])
        for m in truth_rows(demo, "malformed.csv")
    }
    assert len(planted) == MALFORMED * len(FILE_MODES) + MALFORMED  # spreadsheets are two sources
    stagers = {c.name: CONNECTORS[c.type].stage for c in load_sources(demo)}
    rejected: dict[tuple[str, str, str], tuple[str, str]] = {}
    flagged: dict[tuple[str, str, str], tuple[str, str]] = {}
    tables: Counter[str] = Counter()
    for r in records:
        key = (r.source, r.entity, r.source_key)
        try:
            rows = stagers[r.source](r)
        except Rejected as e:
            rejected[key] = (e.rule, e.field or "")
            continue
        assert all(isinstance(row, StagedRow) for row in rows)
        tables.update(row.table for row in rows)
        for flag in (row.values for row in rows if row.table == "stg_field_flag"):
            flagged[key] = (flag["rule"], flag["field"])
            assert any(row.table == "stg_customer" for row in rows), "a flagged record still stages"
    assert rejected == {k: v for k, v in planted.items() if v[0] not in FLAGGED_RULES}
    assert flagged == {k: v for k, v in planted.items() if v[0] in FLAGGED_RULES}
    assert set(tables) == {
        "stg_customer", "stg_product", "stg_sales_line", "stg_payment", "stg_interaction", "stg_campaign",
        "stg_campaign_daily", "stg_field_flag", "stg_payment_method",
    }  # fmt: skip


def test_staged_rows_leave_pipeline_columns_out_and_carry_keys(records: list[RawRecord], demo: Path) -> None:
    stagers = {c.name: CONNECTORS[c.type].stage for c in load_sources(demo)}
    for r in records[::7]:
        try:
            rows = stagers[r.source](r)
        except Rejected:
            continue
        for row in rows:
            assert not {"source", "land_id", "batch_id"} & set(row.values)
            if row.table not in ("stg_sales_line", "stg_campaign_daily", "stg_field_flag"):
                assert row.values["source_key"]
