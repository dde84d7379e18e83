"""The one reader contract: positions a reader can be given, and settings passed in, not looked up."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.connectors.directory.web import read_web
from pipeline.connectors.position import FilePosition, MemoryPosition
from pipeline.errors import ConfigError
from pipeline.records import SourceConfig


def test_a_file_position_survives_a_new_process_and_a_memory_one_lists_its_saves(tmp_path: Path) -> None:
    path = FilePosition.in_dir(tmp_path / "state", "my sheet/1")
    assert path.path.name == "my_sheet_1.state.json" and path.load() is None
    path.save('{"resume": null}')
    assert FilePosition(path.path).load() == '{"resume": null}'
    memory = MemoryPosition("a")
    memory.save("b")
    memory.save("c")
    assert (memory.load(), memory.saves) == ("c", ["b", "c"])


def test_live_sources_keep_their_position_under_their_own_name_and_file_sources_have_none() -> None:
    names = {kind: c.position_name(SourceConfig("s", kind)) for kind, c in CONNECTORS.items()}
    assert names["quickbooks_api"] == names["directory_web"] == "extract:s"
    assert names["google_sheet"] == names["instagram_web"] == names["instagram_graph"] == "sync:s"
    assert names["quickbooks_export"] is names["spreadsheet"] is names["campaign_csv"] is None


def test_a_reader_without_var_dir_or_cache_dir_says_which_to_set() -> None:
    source = SourceConfig("yp", "directory_web", options={"start_url": "http://127.0.0.1:9/search"})
    with pytest.raises(ConfigError, match="set cache_dir"):
        list(read_web(source, MemoryPosition()))
