"""The month-grain sales detail per customer and product that the portal's drill-down reads below rep and category."""

from __future__ import annotations

import logging
from typing import Any

import polars as pl

from warehouse.schema import UNIDENTIFIED_CUSTOMER_KEY

logger = logging.getLogger(__name__)


def sales_detail_rows(sales: pl.DataFrame) -> list[dict[str, Any]]:
    """Revenue and orders per month, customer and product (identified customers only) from the marts' sales frame.

    ``sales`` has ``month_start``, ``customer_key``, ``customer``, ``rep``, ``region``, ``category``,
    ``product``, ``amount`` and ``order_id`` per sales line.
    """
    if sales.height == 0:
        return []
    return (
        sales.filter(pl.col("customer_key") != UNIDENTIFIED_CUSTOMER_KEY)
        .group_by("month_start", "customer_key", "category", "product")
        .agg(
            pl.col("customer").first(),
            pl.col("rep").first(),
            pl.col("region").first(),
            pl.col("amount").sum().round(2).alias("revenue"),
            pl.col("order_id").n_unique().alias("orders"),
        )
        .sort("month_start", "customer_key", "category", "product")
        .to_dicts()
    )
