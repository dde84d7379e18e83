"""The reference data the embedded engine enriches events with, read from the warehouse.

Customers: rep from ``dim_sales_rep`` (``unassigned`` without one), region and segment from ``dim_customer``
(``unknown`` when empty), churn risk from ``mart_customer_score`` (0 when not scored). Campaigns: id
``str(dim_campaign.campaign_key)`` and the budget in home currency.
"""

from __future__ import annotations

import logging
import sys

import sqlalchemy as sa

from pipeline.events.records import UNASSIGNED_REP, UNKNOWN, Campaign, Customer
from warehouse.engine import Warehouse
from warehouse.schema import dim_campaign, dim_customer, dim_sales_rep, mart_customer_score

logger = logging.getLogger(__name__)


def customers_query() -> sa.Select[int, str | None, str | None, str | None, float | None]:
    """Every customer with its rep's name, region, segment and churn probability (NULL where unknown)."""
    return (
        sa.select(
            dim_customer.c.customer_key,
            dim_sales_rep.c.name.label("rep"),
            dim_customer.c.region,
            dim_customer.c.segment,
            mart_customer_score.c.churn_probability.label("churn_risk"),
        )
        .select_from(dim_customer)
        .outerjoin(dim_sales_rep, dim_sales_rep.c.rep_key == dim_customer.c.rep_key)
        .outerjoin(mart_customer_score, mart_customer_score.c.customer_key == dim_customer.c.customer_key)
        .order_by(dim_customer.c.customer_key)
    )


def campaigns_query() -> sa.Select[tuple[int, str, float | None]]:
    """Every campaign's key, name and budget."""
    return sa.select(dim_campaign.c.campaign_key, dim_campaign.c.name, dim_campaign.c.budget).order_by(
        dim_campaign.c.campaign_key
    )


def load_customers(warehouse: Warehouse) -> dict[int, Customer]:
    """Customer key -> enrichment, for every customer and prospect in the warehouse.

    Read row by row as tuples (not a list of dicts) and with the few rep, region and segment names shared:
    at a million customers this takes a third of the time and a fraction of the memory.
    """
    with warehouse.begin() as conn:
        customers = {
            int(key): Customer(
                customer_key=int(key),
                rep=sys.intern(rep or UNASSIGNED_REP),
                region=sys.intern(region or UNKNOWN),
                segment=sys.intern(segment or UNKNOWN),
                churn_risk=float(risk or 0.0),
            )
            for key, rep, region, segment, risk in conn.execute(customers_query())
        }
    logger.info("loaded %d customers for event enrichment", len(customers))
    return customers


def load_campaigns(warehouse: Warehouse) -> dict[str, Campaign]:
    """Campaign id (the campaign key as text) -> campaign with its budget."""
    campaigns = {
        str(row["campaign_key"]): Campaign(
            campaign_id=str(row["campaign_key"]),
            name=row["name"],
            budget=None if row["budget"] is None else float(row["budget"]),
        )
        for row in warehouse.rows(campaigns_query())
    }
    logger.info("loaded %d campaigns for budget alerts", len(campaigns))
    return campaigns
