"""Readers and response parsers fuzzed: any input gives records (or error records) or a clear ValueError, never a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.connectors.files import read_csv, read_json_lines
from pipeline.connectors.quickbooks import queries

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
ENTITY_KEYS = st.sampled_from(["Customer", "Invoice", "QueryResponse", "CDCResponse", "startPosition", "x"])
QBO_LIKE = st.recursive(
    JSON,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ENTITY_KEYS, inner, max_size=3),
    max_leaves=25,
)


@given(QBO_LIKE)
def test_any_query_response_gives_objects_or_a_value_error(body: Any) -> None:
    if not isinstance(body, dict):
        body = {"QueryResponse": body}
    try:
        objects = queries.page_objects(body, "Customer")
    except ValueError:
        return
    assert isinstance(objects, list)


@given(QBO_LIKE)
def test_any_cdc_response_gives_objects_per_entity_or_a_value_error(body: Any) -> None:
    if not isinstance(body, dict):
        body = {"CDCResponse": body}
    try:
        found = queries.cdc_objects(body, ["Customer", "Invoice"])
    except ValueError:
        return
    assert set(found) == {"Customer", "Invoice"} and all(isinstance(v, list) for v in found.values())


@given(st.text(max_size=40))
def test_any_timestamp_text_parses_or_is_a_value_error(value: str) -> None:
    try:
        parsed = queries.parse_time(value)
    except ValueError:
        return
    assert parsed.tzinfo is not None


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_any_csv_bytes_give_rows_or_error_rows(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        rows = list(read_csv(path))
    for row in rows:
        assert (row.values is None) == (row.error is not None)
        assert row.line >= 1 or (
            row.error is not None and row.error.startswith("f.csv: ")
        )  # a whole-file error


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(JSON.map(json.dumps), st.text(max_size=30)), max_size=8))
def test_any_json_lines_give_documents_or_errors(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8")
        for number, raw, doc, error in read_json_lines(path):
            assert number >= 1 and raw.strip()
            assert (doc is None) or error is None
            if error is not None:
                assert error.startswith("f.jsonl line ")


@pytest.mark.parametrize("block", [{"QueryResponse": 5}, {"QueryResponse": "x"}, 7])
def test_a_cdc_block_of_the_wrong_shape_is_a_value_error(block: Any) -> None:
    with pytest.raises(ValueError, match="CDCResponse block"):
        queries.cdc_objects({"CDCResponse": [block]}, ["Customer"])
