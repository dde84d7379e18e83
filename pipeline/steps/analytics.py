"""The analytics step: rebuild the descriptive, diagnostic and prescriptive marts from the warehouse.

Every mart is emptied and refilled in the step's transaction, so a re-run replaces its rows. What each
mart holds is in docs/models.md; the computations are in `pipeline.analytics` and `models`.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Connection

from pipeline.analytics import analytics_rows, read_warehouse
from pipeline.analytics.rows import MART_NAMES
from pipeline.ops import StepResult
from warehouse.engine import insert_rows
from warehouse.schema import metadata
from warehouse.summaries import rebuild_rfm_summary

logger = logging.getLogger(__name__)

#: Where each mart's rows come from, for the lineage edges.
SOURCES = {
    "mart_kpi_anomaly": "mart_kpi_daily",
    "mart_campaign_performance": "fact_campaign_daily",
    "mart_channel_response": "fact_campaign_daily",
    "mart_budget_allocation": "fact_campaign_daily",
}


def build_analytics(conn: Connection) -> StepResult:
    """Recompute every analytics mart in the caller's transaction."""
    data = read_warehouse(conn)
    rows = analytics_rows(data)
    counts = {}
    for name in MART_NAMES:
        table = metadata.tables[name]
        conn.execute(table.delete())
        counts[name] = insert_rows(conn, table, rows[name])
    rebuild_rfm_summary(conn)  # what the Analytics page reads instead of grouping every buyer
    logger.info("analytics marts as of %s: %s", data.as_of.date(), counts)
    return StepResult(
        rows_in=len(data.lines) + len(data.campaign_days),
        rows_out=sum(counts.values()),
        lineage={(SOURCES.get(name, "fact_sales_line"), name): n for name, n in counts.items()},
        message=f"as of {data.as_of.date()}" if len(data.lines) else "no sales yet: analytics marts empty",
    )
