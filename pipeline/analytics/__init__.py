"""Analytics marts: descriptive (RFM, distributions, cohorts, affinity, growth), diagnostic (KPI drivers,
anomalies) and prescriptive (campaigns, response curves, budget allocation, price guidance) results,
computed from the warehouse by `models` and shaped as rows of their mart tables."""

from pipeline.analytics.read import Warehouse, read_warehouse
from pipeline.analytics.rows import analytics_rows

__all__ = ["Warehouse", "analytics_rows", "read_warehouse"]
