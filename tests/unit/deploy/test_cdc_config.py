"""The SQL Server capture (which cannot run here) writes the same topics as the PostgreSQL capture the tests run."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.events.connect import CDC_TABLES, TOPIC_PREFIX, Database, cdc_topic, connector_properties

ROOT = Path(__file__).resolve().parents[3]


def java_properties(text: str) -> dict[str, str]:
    """``key=value`` lines as Java reads them: comments skipped, backslash escapes undone."""
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, _, value = line.partition("=")
        settings[key.strip()] = re.sub(r"\\(.)", r"\1", value.strip())
    return settings


def routed(settings: dict[str, str], topic: str) -> str:
    """Where Connect's RegexRouter sends a record of ``topic`` (Java's ``$1`` is Python's ``\\1``)."""
    pattern = settings["transforms.route.regex"]
    if not re.fullmatch(pattern, topic):
        return topic
    return re.sub(pattern, settings["transforms.route.replacement"].replace("$", "\\"), topic)


def test_sqlserver_capture_reads_the_same_tables_into_the_same_topics_as_postgresql() -> None:
    sqlserver = java_properties((ROOT / "deploy" / "kafka" / "debezium-sqlserver.properties").read_text())
    postgres = connector_properties(Database("127.0.0.1", 5432, "c360", "", "c360"), slot="c360_cdc")

    assert sqlserver["connector.class"] == "io.debezium.connector.sqlserver.SqlServerConnector"
    assert sqlserver["topic.prefix"] == postgres["topic.prefix"] == TOPIC_PREFIX
    assert sqlserver["table.include.list"] == ",".join(f"dbo.{t}" for t in CDC_TABLES)
    assert postgres["table.include.list"] == ",".join(f"public.{t}" for t in CDC_TABLES)
    for table in CDC_TABLES:
        # Debezium names topics <prefix>.<database>.<schema>.<table> on SQL Server, <prefix>.<schema>.<table> on PostgreSQL.
        assert routed(sqlserver, f"{TOPIC_PREFIX}.c360.dbo.{table}") == cdc_topic(table)
        assert routed(postgres, f"{TOPIC_PREFIX}.public.{table}") == cdc_topic(table)
    assert routed(sqlserver, "c360.cdc.schema-history") == "c360.cdc.schema-history"
    assert sqlserver["database.password"].startswith("${env:")  # no secret in the repository
