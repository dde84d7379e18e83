"""The KPI records of ``docs/realtime.md`` computed by SQL (DuckDB, in process) over a list of events.

An independent check of the stream processors: it shares no code with them. Given the valid, first-seen events in
arrival order, it returns the last value every KPI key was given, which is what the KPI topic holds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

logger = logging.getLogger(__name__)

# name, size and grace in microseconds
WINDOWS_SQL = (
    "VALUES ('1m', 60000000, 300000000), ('1h', 3600000000, 3600000000), ('1d', 86400000000, 86400000000)"
)

KPI_SQL = f"""
WITH e AS (
    SELECT seq, type, stage, customer_key, COALESCE(channel, 'unknown') AS channel,
           epoch_us(CAST(occurred_at AS TIMESTAMPTZ)) AS at_us,
           CASE WHEN type = 'order_placed'
                THEN CAST(ROUND(CAST(amount AS DECIMAL(38, 10)) * 100) AS BIGINT) ELSE 0 END AS cents
    FROM events
), timed AS (
    SELECT e.*,
           MAX(at_us) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS newest,
           COALESCE(c.rep, 'unassigned') AS rep,
           COALESCE(c.region, 'unknown') AS region
    FROM e LEFT JOIN customers c ON c.customer_key = e.customer_key
), windowed AS (
    SELECT t.*, w.name AS window_name, w.size, at_us - at_us % w.size AS start
    FROM timed t CROSS JOIN ({WINDOWS_SQL}) AS w(name, size, grace)
    WHERE at_us - at_us % w.size + w.size + w.grace > newest  -- still open when the event arrived
), cells AS (
    SELECT window_name, start, size, 'all' AS dimension, 'all' AS dimension_value, type, stage, customer_key, cents
    FROM windowed
    UNION ALL
    SELECT window_name, start, size, 'rep', rep, type, stage, customer_key, cents FROM windowed
    UNION ALL
    SELECT window_name, start, size, 'region', region, type, stage, customer_key, cents FROM windowed
    UNION ALL
    SELECT window_name, start, size, 'channel', channel, type, stage, customer_key, cents FROM windowed
)
SELECT window_name AS "window",
       strftime(make_timestamp(start), '%Y-%m-%dT%H:%M:%SZ') AS window_start,
       strftime(make_timestamp(start + size), '%Y-%m-%dT%H:%M:%SZ') AS window_end,
       dimension,
       dimension_value,
       CAST(COALESCE(SUM(cents) FILTER (WHERE type = 'order_placed'), 0) AS BIGINT) AS revenue_cents,
       COUNT(*) FILTER (WHERE type = 'order_placed') AS orders,
       COUNT(*) FILTER (WHERE type = 'lead_created') AS new_leads,
       COUNT(*) FILTER (WHERE type = 'lead_moved' AND stage = 'won') AS conversions,
       COUNT(DISTINCT customer_key) AS active_customers,
       COUNT(*) AS events
FROM cells
GROUP BY window_name, start, size, dimension, dimension_value
"""


def kpis_by_sql(
    events: Sequence[Mapping[str, Any]], customers: Mapping[int, Any]
) -> dict[str, dict[str, Any]]:
    """``window|window_start|dimension|dimension_value`` -> KPI record, over valid first-seen events in arrival order.

    ``customers`` maps a customer key to anything with ``rep`` and ``region`` attributes (or keys).
    """
    frame = pd.DataFrame(
        {
            "seq": pd.Series(range(len(events)), dtype="int64"),
            "type": pd.Series([e["type"] for e in events], dtype="object"),
            "stage": pd.Series([e["payload"].get("stage") for e in events], dtype="object"),
            "customer_key": pd.Series([e.get("customer_key") for e in events], dtype="Int64"),
            "channel": pd.Series([e.get("channel") for e in events], dtype="object"),
            "occurred_at": pd.Series([e["occurred_at"] for e in events], dtype="object"),
            "amount": pd.Series([_decimal_text(e["payload"].get("amount")) for e in events], dtype="object"),
        }
    )
    people = pd.DataFrame(
        {
            "customer_key": pd.Series(list(customers), dtype="int64"),
            "rep": pd.Series([_field(c, "rep") for c in customers.values()], dtype="object"),
            "region": pd.Series([_field(c, "region") for c in customers.values()], dtype="object"),
        }
    )
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.register("events", frame)
        con.register("customers", people)
        cursor = con.execute(KPI_SQL)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    logger.debug("computed %d KPI records from %d events", len(rows), len(events))
    return {_key(row): _record(row) for row in rows}


def _decimal_text(value: Any) -> str | None:
    """A JSON number as decimal text DuckDB reads exactly (floats by their shortest repr, as JSON writes them)."""
    if value is None:
        return None
    return format(value if isinstance(value, Decimal) else Decimal(repr(value)), "f")


def _field(customer: Any, name: str) -> Any:
    return customer[name] if isinstance(customer, Mapping) else getattr(customer, name)


def _key(row: Mapping[str, Any]) -> str:
    return f"{row['window']}|{row['window_start']}|{row['dimension']}|{row['dimension_value']}"


def _record(row: Mapping[str, Any]) -> dict[str, Any]:
    record = {k: row[k] for k in ("window", "window_start", "window_end", "dimension", "dimension_value")}
    record["revenue"] = int(row["revenue_cents"]) / 100
    for name in ("orders", "new_leads", "conversions", "active_customers", "events"):
        record[name] = int(row[name])
    return record
