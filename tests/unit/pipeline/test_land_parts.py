"""A part's fingerprint changes with any change to its own files or the source's config, and only then."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.land_parts import WHOLE, Kept, Part, parts_of, unchanged
from pipeline.records import SourceConfig

PAGE = {"QueryResponse": {"Customer": [{"Id": "1", "DisplayName": "Zoë Café"}]}}


def export(root: Path) -> SourceConfig:
    for entity in ("Customer", "Invoice"):
        (root / entity).mkdir(parents=True)
        (root / entity / "page-00001.json").write_text(json.dumps(PAGE, ensure_ascii=False), encoding="utf-8")
    return SourceConfig(
        "quickbooks", "quickbooks_export", root, {"entities": ["Customer", "Invoice", "Item"]}
    )


def fingerprints(source: SourceConfig) -> dict[str, str | None]:
    return {p.name: p.fingerprint for p in parts_of(CONNECTORS[source.type], source)}


def _add(page: Path) -> None:
    page.with_name("page-00002.json").write_text(json.dumps(PAGE), encoding="utf-8")


def _rename(page: Path) -> None:
    page.rename(page.with_name("page-00003.json"))


def _truncate(page: Path) -> None:
    page.write_bytes(page.read_bytes()[:-1])


def _reencode(page: Path) -> None:
    page.write_text(page.read_text(encoding="utf-8"), encoding="utf-16")


@pytest.mark.parametrize("change", [_add, Path.unlink, _rename, _truncate, _reencode])
def test_a_changed_file_changes_only_its_entitys_fingerprint(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    source = export(tmp_path)
    before = fingerprints(source)
    assert before["Item"] is None, "an entity without files has nothing to compare: it is always read"
    assert before["Customer"] != before["Invoice"]
    change(tmp_path / "Customer" / "page-00001.json")
    after = fingerprints(source)
    assert after["Customer"] != before["Customer"]
    assert after["Invoice"] == before["Invoice"]


def test_a_changed_config_entry_changes_every_fingerprint(tmp_path: Path) -> None:
    source = export(tmp_path)
    before = fingerprints(source)
    after = fingerprints(
        SourceConfig(source.name, source.type, source.path, {**source.options, "encoding": "utf-8"})
    )
    assert all(after[e] != before[e] for e in ("Customer", "Invoice"))


def test_a_source_without_entity_files_is_one_part_and_a_live_source_none(tmp_path: Path) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Lead ID,Name\n1,Ann\n", encoding="utf-8")
    source = SourceConfig("leads", "spreadsheet", sheet, {"entity": "Lead", "key_column": "Lead ID"})
    (part,) = parts_of(CONNECTORS["spreadsheet"], source)
    assert part.name == WHOLE and part.fingerprint is not None
    sheet.write_text("Lead ID,Name\n1,Anne\n", encoding="utf-8")
    assert parts_of(CONNECTORS["spreadsheet"], source)[0].fingerprint != part.fingerprint
    live = SourceConfig("sheet", "google_sheet", None, {"sheet_id": "x"})
    assert parts_of(CONNECTORS["google_sheet"], live) == []


def test_a_part_is_unchanged_only_with_the_same_files_and_the_same_holds_and_erasures() -> None:
    parts = [Part("Customer", "a"), Part("Invoice", "b"), Part("Item", None)]
    kept = {
        "Customer": Kept("a", 10, "holds 0; erased 0", 1),
        "Invoice": Kept("old", 5, "holds 0; erased 0", 1),
        "Item": Kept("c", 0, "holds 0; erased 0", 1),
    }
    assert set(unchanged(parts, kept, "holds 0; erased 0")) == {"Customer"}
    assert unchanged(parts, kept, "holds 1; erased 0") == {}


def test_the_same_files_in_another_folder_have_the_same_fingerprints(tmp_path: Path) -> None:
    here, there = export(tmp_path / "here"), export(tmp_path / "there")
    assert fingerprints(here) == fingerprints(there)


def test_a_file_rewritten_at_once_with_the_same_size_gets_a_new_fingerprint(tmp_path: Path) -> None:
    source = export(tmp_path)
    before = fingerprints(source)
    page = tmp_path / "Customer" / "page-00001.json"
    page.write_text(page.read_text(encoding="utf-8").replace("Zoë", "Zoé"), encoding="utf-8")
    assert fingerprints(source)["Customer"] != before["Customer"]
