"""Directory extraction rules: JSON paths, the three kinds of embedded data, regex splits (pure, no I/O)."""

from __future__ import annotations

import json

import pytest

from pipeline.connectors.directory.extract import Rules, parse_page, script_data, select
from pipeline.errors import ConfigError
from pipeline.records import Rejected

DATA = {
    "a": {
        "items": [
            {"type": "PHONE", "value": "1"},
            {"type": "FAX", "value": "2"},
            {"type": "PHONE", "value": "3"},
        ]
    }
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a.items[0].value", ["1"]),
        ("a.items[-1].value", ["3"]),
        ("a.items[*].type", ["PHONE", "FAX", "PHONE"]),
        ("a.items[type=FAX].value", ["2"]),
        ("a.missing || a.items[type=PHONE].value", ["1", "3"]),
        ("a.items[9].value", []),
    ],
)
def test_json_paths(path: str, expected: list[str]) -> None:
    assert select(DATA, path) == expected


def test_a_malformed_path_or_pattern_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        Rules.from_options({"extract": {"script": "x", "listings": "a[", "key": "id", "fields": {"n": "n"}}})
    with pytest.raises(ConfigError, match="splits\\[0\\].pattern"):
        Rules.from_options({"extract": {"script": "x", "listings": "a", "key": "id", "fields": {"n": "n"},
                                        "splits": [{"from": "n", "pattern": "(?P<x"}]}})  # fmt: skip
    assert Rules.from_options({}) is None


STATE = {"model": {"inAreaResultViews": [{"id": "9", "name": "Corner Cafe",
         "address": "Cafes & Coffee Shops, Cairns City, QLD 4870"}]}}  # fmt: skip
RULES = {"extract": {"script": "window.__INITIAL_STATE__", "listings": "model.inAreaResultViews[*]", "key": "id",
                     "fields": {"name": "name", "address": "address"}, "constants": {"country": "AU"},
                     "splits": [{"from": "address",
                                 "pattern": r"^(?P<category>[^,]+), (?P<locality>[^,]+), (?P<region>[A-Z]{2,3}) (?P<postcode>\d{4})$"}]}}  # fmt: skip


@pytest.mark.parametrize(
    "assignment",
    [
        f"window.__INITIAL_STATE__ = {json.dumps(STATE)};",
        f"window.__INITIAL_STATE__=JSON.parse({json.dumps(json.dumps(STATE))});",
    ],
)
def test_an_initial_state_assignment_and_a_combined_field_split(assignment: str) -> None:
    html = f"<html><body><div class='x_1a2b'></div><script>var a = 1; {assignment} var b = 2;</script></body></html>"
    rules = Rules.from_options(RULES)
    assert rules is not None
    listings, nxt = parse_page(html, rules, "https://directory.example/search?page=1")
    assert nxt is None
    assert [{k: v for k, v in x.items() if k != "json"} for x in listings] == [
        {"listing_id": "9", "name": "Corner Cafe", "address": "Cafes & Coffee Shops, Cairns City, QLD 4870",
         "category": "Cafes & Coffee Shops", "locality": "Cairns City", "region": "QLD", "postcode": "4870",
         "country": "AU"}
    ]  # fmt: skip


def test_json_ld_blocks_are_read_as_a_list_and_a_broken_one_is_skipped() -> None:
    item = {
        "@type": "ItemList",
        "itemListElement": [{"item": {"@type": "Plumber", "@id": "p1", "name": "Reef"}}],
    }
    html = (f'<script type="application/ld+json">{json.dumps(item)}</script>'
            '<script type="application/ld+json">{broken</script>')  # fmt: skip
    assert select(script_data(html, "ld+json"), "[*].itemListElement[*].item.name") == ["Reef"]


def test_a_page_without_its_embedded_data_is_rejected_with_the_url() -> None:
    rules = Rules.from_options(RULES)
    assert rules is not None
    with pytest.raises(Rejected, match="page-3.html: embedded window.__INITIAL_STATE__ data cannot be read"):
        parse_page("<html><body>redesigned</body></html>", rules, "page-3.html")
