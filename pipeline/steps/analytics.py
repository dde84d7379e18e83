"""The analytics step: rebuild the descriptive, diagnostic and prescriptive marts from the warehouse.

Every mart is emptied and refilled in the step's transaction, so a re-run replaces its rows. What each
mart holds is in docs/models.md; the computations are in `pipeline.analytics` and `models`.

The marts are a function of what the step reads (the sales lines with their customers' region, rep and
segment, the campaign days, the daily KPIs), the completed erasures and the code that computes them; a
digest of all of it is kept in the watermark ``analytics:inputs``. While it is unchanged (a batch in which
customers only changed their phone, say) the marts already hold what computing them again would give,
and the step writes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import models
from pipeline import analytics
from pipeline.analytics import analytics_rows, read_warehouse
from pipeline.analytics.read import Warehouse
from pipeline.analytics.rows import MART_NAMES
from pipeline.inputs_digest import inputs_digest
from pipeline.ops import StepResult, get_watermark, set_watermark
from warehouse.engine import insert_rows
from warehouse.privacy.requests import erased_keys_query
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


STATE = "analytics:inputs"  # ops_watermark entry: the digest of what the marts were last computed from
#: The code the marts are computed by: a release that changes it computes them again.
CODE = (Path(analytics.__file__).parent, Path(models.__file__).parent)


def input_digest(conn: Connection, data: Warehouse) -> str:
    """A digest of everything the analytics marts are computed from."""
    erasures = conn.execute(
        sa.select(sa.func.count()).select_from(erased_keys_query().subquery())
    ).scalar_one()
    return inputs_digest((data.lines, data.campaign_days, data.kpi_daily), (data.as_of, erasures), CODE)


def build_analytics(conn: Connection, batch_id: int) -> StepResult:
    """Recompute every analytics mart in the caller's transaction, unless what they are computed from is
    what it was when they were last computed."""
    data = read_warehouse(conn)
    digest = input_digest(conn, data)
    if get_watermark(conn, STATE) == digest:
        return StepResult(
            rows_in=len(data.lines) + len(data.campaign_days),
            message=f"as of {data.as_of.date()}: inputs unchanged since the marts were computed, none redone",
        )
    rows = analytics_rows(data)
    counts = {}
    for name in MART_NAMES:
        table = metadata.tables[name]
        conn.execute(table.delete())
        counts[name] = insert_rows(conn, table, rows[name])
    rebuild_rfm_summary(conn)  # what the Analytics page reads instead of grouping every buyer
    set_watermark(conn, STATE, digest, batch_id)
    logger.info("analytics marts as of %s: %s", data.as_of.date(), counts)
    return StepResult(
        rows_in=len(data.lines) + len(data.campaign_days),
        rows_out=sum(counts.values()),
        lineage={(SOURCES.get(name, "fact_sales_line"), name): n for name, n in counts.items()},
        message=f"as of {data.as_of.date()}" if len(data.lines) else "no sales yet: analytics marts empty",
    )
