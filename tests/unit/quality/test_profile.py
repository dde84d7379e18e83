"""Column profiles: the figures a data steward reads to see a source drift."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from pipeline.quality.profile import profile_frame


def test_a_profile_counts_nulls_distincts_ranges_and_value_shapes() -> None:
    frame = pl.DataFrame(
        {
            "postcode": ["SW1A 1AA", "M1 1AE", "SW1A 2AB", None],
            "amount": [10.5, None, 3.0, 7.25],
            "txn_date": [dt.date(2025, 1, 2), dt.date(2024, 12, 31), None, None],
            "source": ["qbo"] * 4,
        }
    )
    by_column = {p.column: p for p in profile_frame(frame)}
    assert set(by_column) == {"postcode", "amount", "txn_date"}, "bookkeeping columns are left out"
    postcode = by_column["postcode"]
    assert (postcode.rows, postcode.nulls, postcode.distinct) == (4, 1, 3)
    assert postcode.patterns == [("AA9A 9AA", 2), ("A9 9AA", 1)]
    assert (postcode.minimum, postcode.maximum) == ("6", "8"), "text: shortest and longest length"
    assert (by_column["amount"].minimum, by_column["amount"].maximum) == ("3", "10.5")
    assert (by_column["txn_date"].minimum, by_column["txn_date"].maximum) == ("2024-12-31", "2025-01-02")
    assert by_column["txn_date"].null_share == 0.5
    assert json.loads(postcode.as_row()["top_patterns"]) == [["AA9A 9AA", 2], ["A9 9AA", 1]]


def test_unicode_letters_fold_by_case() -> None:
    [profile] = profile_frame(pl.DataFrame({"name": ["Élodie Ørsted", "李雷"]}))
    assert {p for p, _ in profile.patterns} == {"Aaaaaa Aaaaaa", "aa"}


@given(st.lists(st.one_of(st.none(), st.text(max_size=60)), max_size=30))
def test_any_text_column_profiles_without_error(values: list[str | None]) -> None:
    [profile] = profile_frame(pl.DataFrame({"v": values}, schema={"v": pl.String}))
    assert profile.rows == len(values) and profile.nulls == values.count(None)
    assert sum(c for _, c in profile.patterns) <= len(values) - profile.nulls
