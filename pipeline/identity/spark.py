"""Splink's Spark backend for the matching engine: a local (or configured) Spark session.

``MatchSettings(backend="spark")`` trains and scores the Fellegi–Sunter model with Spark SQL instead of
DuckDB; ``spark_master`` says where (``local[2]``: this machine's two cores; ``spark://host:7077`` or
``yarn``: a cluster). pyspark is an optional dependency: importing this module without it raises
``MatchingError`` naming the package to install.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlglot

from pipeline.identity.errors import MatchingError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

#: The pyspark release the Spark backend is tested with (Spark 4 runs on Java 17 or 21).
PYSPARK_VERSION = "4.0.1"

_lock = threading.Lock()
_root: list[SparkSession] = []  # the session that owns the process's Spark context, once started


def spark_available() -> bool:
    """Whether pyspark can be imported here."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def spark_session(master: str = "local[2]") -> SparkSession:
    """A fresh Spark SQL session (own temporary views) on the process's Spark context, created on first use.

    The context has Splink's string-similarity functions on its class path, listens on 127.0.0.1 only
    and has no web UI; shuffles use few partitions, as a local session's inputs are small.
    """
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as e:
        raise MatchingError(f"the Spark backend needs pyspark=={PYSPARK_VERSION} installed: {e}") from e
    with _lock:
        if not _root:
            logger.info("starting Spark (%s)", master)
            root = (
                SparkSession.builder.master(master)
                .appName("c360-identity")
                .config("spark.jars", similarity_jar_location())
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.default.parallelism", "8")
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
            root.sparkContext.setLogLevel("ERROR")
            _root.append(root)
        return _root[0].newSession()


def spark_api(master: str = "local[2]") -> Any:
    """Splink's ``SparkAPI`` on a fresh session; intermediate tables are cached in memory, not written."""
    from splink.backends import spark

    api: Any = spark.SparkAPI  # untyped constructor
    return api(spark_session=spark_session(master), break_lineage_method="persist")


def release_cached() -> None:
    """Drop the tables a resolution cached in Spark's memory (they are not needed once its pairs are read)."""
    with _lock:
        if _root:
            _root[0].catalog.clearCache()


def stop_spark() -> None:
    """Stop the process's Spark context (and the JVM's work), if one was started."""
    with _lock:
        if _root:
            _root.pop().stop()


#: Splink's string similarities as sqlglot writes them in each dialect -> the name that dialect knows.
_SIMILARITIES = {
    "spark": {"JAROWINKLER_SIMILARITY": "jaro_winkler", "JARO_SIMILARITY": "jaro_sim"},
    "duckdb": {"JARO_WINKLER": "jaro_winkler_similarity", "JARO_SIM": "jaro_similarity"},
}


def dialect_sql(sql: str, source: str, target: str) -> str:
    """One SQL expression of a saved model in another dialect (quoting and function names)."""
    if sql.strip().upper() == "ELSE" or source == target:  # ELSE: Splink's catch-all level
        return sql
    names = _SIMILARITIES[target]
    text = sqlglot.transpile(sql, read=source, write=target)[0]
    return re.sub(r"\b(" + "|".join(names) + r")\(", lambda m: names[m.group(1)] + "(", text)


def spark_sql(sql: str) -> str:
    """One SQL expression of a model saved from DuckDB, in Spark's dialect."""
    return dialect_sql(sql, "duckdb", "spark")


def settings_for(settings: Mapping[str, Any], dialect: str) -> dict[str, Any]:
    """A saved model's Splink settings with every SQL condition and blocking rule in ``dialect``.

    Models are saved in the dialect of the backend that trained them; Splink reads the SQL in the
    dialect of the backend that scores, so a model trained on DuckDB scores on Spark after this, and
    one trained on Spark on DuckDB.
    """
    out = copy.deepcopy(dict(settings))
    source = str(out.get("sql_dialect", "duckdb"))
    if source == dialect:
        return out
    out["sql_dialect"] = dialect
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        rule["blocking_rule"] = dialect_sql(rule["blocking_rule"], source, dialect)
        rule["sql_dialect"] = dialect
    for comparison in out.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if "sql_condition" in level:
                level["sql_condition"] = dialect_sql(level["sql_condition"], source, dialect)
    return out
