"""Hypothesis fuzz of the google_sheet parsers: any header and cells either load or are rejected with a reason."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.connectors import CONNECTORS
from pipeline.connectors.spreadsheet.values import (
    HeaderDriftError,
    a1_range,
    check_header,
    column_letters,
    to_row,
)
from pipeline.records import RawRecord, Rejected

HEADER = [
    "Lead ID",
    "Company",
    "Contact",
    "Email",
    "Phone",
    "Town",
    "Region",
    "Status",
    "Est. Value (£)",
    "Owner",
    "Last Contact",
]
cells = st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none())


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=14), st.integers(min_value=2, max_value=10**6))
def test_any_row_stages_or_is_rejected_with_a_rule(row: list[object], number: int) -> None:
    parsed = to_row(number, HEADER, row, None, "Lead ID")
    if parsed is None:
        assert not any(str(c).strip() for c in row if c is not None)
        return
    try:
        staged = CONNECTORS["google_sheet"].stage(RawRecord("s", "Lead", parsed.key, parsed.payload))
        assert staged and staged[0].values["source_key"] == parsed.key
    except Rejected as r:
        assert r.rule and r.message


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=8), st.lists(st.text(min_size=1, max_size=12), max_size=4))
def test_header_checks_pass_or_name_what_is_missing(found: list[str], expected: list[str]) -> None:
    try:
        check_header("s", found, expected)
        assert all(h in found for h in expected)
    except HeaderDriftError as e:
        assert e.missing or e.repeated
        assert str(expected) in str(e)


@given(st.integers(min_value=0, max_value=18_277))
def test_column_letters_round_trip(index: int) -> None:
    letters = column_letters(index)
    value = 0
    for ch in letters:
        value = value * 26 + ord(ch) - 64
    assert value - 1 == index
    assert a1_range("Q1 'Leads'", 2, 3, index + 1) == f"'Q1 ''Leads'''!A2:{letters}3"
