"""Exports are split into lines where they always were, so line numbers in reject reasons do not move."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.connectors.files import read_csv, read_json_lines, text_lines

# line ends, quotes and the characters str.splitlines (but not a file read) treats as line breaks
PIECES = st.sampled_from(["a", "é", ",", '"', " ", "\r", "\n", "\r\n", "\x0c", "\x85", "\u2028", "{}"])


@given(st.lists(PIECES, max_size=40).map("".join))
def test_lines_split_as_a_text_file_reads_them(text: str) -> None:
    assert list(text_lines(text)) == list(io.StringIO(text, newline=""))
    translated = [line.rstrip("\r\n") for line in io.StringIO(text, newline=None)]
    assert [line.rstrip("\r\n") for line in text_lines(text)] == translated


def test_csv_and_json_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    csv_file = tmp_path / "a.csv"
    csv_file.write_bytes(b'id,note\r\n1,"two\r\nlines"\r\n\r\n2,x,extra\r3,y\n')
    rows = list(read_csv(csv_file))
    assert [(r.line, r.error) for r in rows] == [
        (2, None),
        (5, "a.csv line 5: expected 2 fields, found 3"),
        (6, None),
    ]
    assert rows[0].values == {"id": "1", "note": "two\r\nlines"}
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_bytes(b'{"a": 1}\r\n\r\n{"a": \n{"a": 3}\r')
    assert [(n, doc, error is not None) for n, _, doc, error in read_json_lines(jsonl)] == [
        (1, {"a": 1}, False),
        (3, None, True),
        (4, {"a": 3}, False),
    ]
