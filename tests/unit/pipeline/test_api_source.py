"""The records written through the REST API are a source of every batch, named ``api``: no configured source
may take that name, and the stage step adds the API's source to the configured ones exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import api_writes
from pipeline.config import load_sources
from pipeline.errors import ConfigError

ENTRY = """
[[sources]]
name = "{name}"
type = "spreadsheet"
path = "leads.csv"
lawful_basis = "legitimate_interests"
terms_of_service = true
entity = "Lead"
"""


def test_a_configured_source_may_not_be_named_api(tmp_path: Path) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(ENTRY.format(name="sheet_leads") + ENTRY.format(name="api"), encoding="utf-8")
    with pytest.raises(
        ConfigError, match="the source name 'api' is reserved for records written through the REST API"
    ):
        load_sources(config)
    config.write_text(ENTRY.format(name="sheet_leads"), encoding="utf-8")
    sources = load_sources(config)
    staged = api_writes.with_api_source(sources)
    assert [(s.name, s.type) for s in staged] == [("sheet_leads", "spreadsheet"), ("api", "spreadsheet")]
    assert api_writes.with_api_source(staged) == staged  # added once
