"""Analytics marts: descriptive, diagnostic and prescriptive results."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import Money, Name, metadata

# --- analytics marts: descriptive, diagnostic and prescriptive results ---------------------------

mart_customer_rfm = sa.Table(
    "mart_customer_rfm",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("recency_days", sa.Integer, nullable=False),  # days from the last purchase to as_of
    sa.Column("frequency", sa.Integer, nullable=False),  # distinct orders
    sa.Column("monetary", Money(), nullable=False),  # total spend
    sa.Column("r_score", sa.Integer, nullable=False),  # quintile scores 1..5, 5 = best
    sa.Column("f_score", sa.Integer, nullable=False),
    sa.Column("m_score", sa.Integer, nullable=False),
    sa.Column("rfm", sa.String(3), nullable=False),  # e.g. "545"
    sa.Column("segment", sa.String(30), nullable=False),  # Champions, Loyal, At risk ...
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Index(None, "segment"),
)

mart_purchase_distribution = sa.Table(
    "mart_purchase_distribution",
    metadata,
    sa.Column("measure", sa.String(20), primary_key=True),  # frequency (orders), recency (days)
    sa.Column("bin_order", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("bin", sa.String(20), nullable=False),  # "3-4", "365+"
    sa.Column("customers", sa.Integer, nullable=False),
    sa.Column("share", sa.Float, nullable=False),
)

mart_cohort_retention = sa.Table(
    "mart_cohort_retention",
    metadata,
    sa.Column("cohort_month", sa.Date, primary_key=True),  # month of first purchase
    sa.Column("months_since_first", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cohort_size", sa.Integer, nullable=False),
    sa.Column("active_customers", sa.Integer, nullable=False),  # bought in that month
    sa.Column("retention", sa.Float, nullable=False),  # active / size, 1.0 in month 0
)

mart_product_affinity = sa.Table(
    "mart_product_affinity",
    metadata,
    sa.Column("level", sa.String(10), primary_key=True),  # product, category
    sa.Column("item_a", Name(), primary_key=True),
    sa.Column("item_b", Name(), primary_key=True),
    sa.Column("orders", sa.Integer, nullable=False),  # orders holding both
    sa.Column("support", sa.Float, nullable=False),
    sa.Column("confidence_a_b", sa.Float, nullable=False),  # P(b | a)
    sa.Column("confidence_b_a", sa.Float, nullable=False),
    sa.Column("lift", sa.Float, nullable=False),
    sa.Index(None, "item_b"),
)

mart_growth = sa.Table(
    "mart_growth",
    metadata,
    sa.Column(
        "comparison", sa.String(3), primary_key=True
    ),  # DoD, DLW (same weekday last week), WoW, MoM, YoY
    sa.Column("metric", sa.String(20), primary_key=True),  # revenue, orders, new_customers, active_customers
    sa.Column("current_start", sa.Date, nullable=False),
    sa.Column("current_end", sa.Date, nullable=False),
    sa.Column("previous_start", sa.Date, nullable=False),
    sa.Column("previous_end", sa.Date, nullable=False),
    sa.Column("current_value", sa.Float, nullable=False),
    sa.Column("previous_value", sa.Float, nullable=False),
    sa.Column("change", sa.Float, nullable=False),
    sa.Column("change_pct", sa.Float),  # NULL when the previous value is 0
)

mart_kpi_drivers = sa.Table(
    "mart_kpi_drivers",
    metadata,
    sa.Column("period_start", sa.Date, primary_key=True),  # first day of the 7-day period explained
    sa.Column("baseline", sa.String(20), primary_key=True),  # previous_week, mean_4_weeks
    sa.Column("kpi", sa.String(20), primary_key=True),  # revenue, orders, average_order_value
    sa.Column("dimension", sa.String(20), primary_key=True),  # region, rep, category, segment, channel ...
    sa.Column("member", Name(), primary_key=True),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("kpi_before", sa.Float, nullable=False),  # the whole KPI in the baseline
    sa.Column("kpi_after", sa.Float, nullable=False),  # ... and in the period
    sa.Column("before_value", sa.Float, nullable=False),  # this member's part
    sa.Column("after_value", sa.Float, nullable=False),
    sa.Column("volume_before", sa.Float, nullable=False),  # orders (customers for the orders KPI)
    sa.Column("volume_after", sa.Float, nullable=False),
    sa.Column("mix_effect", sa.Float, nullable=False),
    sa.Column("rate_effect", sa.Float, nullable=False),
    sa.Column("contribution", sa.Float, nullable=False),  # mix + rate
    sa.Column("share_of_change", sa.Float),
    sa.Column("change_pct", sa.Float),
    sa.Column("rank", sa.Integer, nullable=False),  # 1 = pushed the KPI furthest the way it moved
    sa.Column("summary", sa.Unicode(500), nullable=False),  # the one-sentence answer for the period
    sa.Index(None, "period_start", "baseline", "rank"),
)

mart_kpi_anomaly = sa.Table(
    "mart_kpi_anomaly",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("kpi", sa.String(20), primary_key=True),  # revenue, orders, new_customers, active_customers
    sa.Column("actual", sa.Float, nullable=False),
    sa.Column("expected", sa.Float),  # same weekday, median of the previous 8 weeks
    sa.Column("robust_z", sa.Float),  # NULL before 16 weeks of history
    sa.Column("is_anomaly", sa.Boolean, nullable=False),
    sa.Index(None, "is_anomaly", "day"),
)

mart_campaign_performance = sa.Table(
    "mart_campaign_performance",
    metadata,
    sa.Column("campaign_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", Name(), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    sa.Column("spend", Money(), nullable=False),
    sa.Column("impressions", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("conversions", sa.Integer, nullable=False),
    sa.Column("ctr", sa.Float),
    sa.Column("conversion_rate", sa.Float),
    sa.Column("cac", sa.Float),
    sa.Column("customers", sa.Integer, nullable=False),  # new customers attributed (last touch)
    sa.Column("revenue", Money(), nullable=False),  # their revenue in the year after acquisition
    sa.Column("roi", sa.Float),
    sa.Index(None, "channel"),
)

mart_channel_response = sa.Table(
    "mart_channel_response",
    metadata,
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("alpha", sa.Float, nullable=False),  # conversions per day at saturation
    sa.Column("half_saturation", sa.Float, nullable=False),  # daily spend giving half of alpha
    sa.Column("shape", sa.Float, nullable=False),
    sa.Column("decay", sa.Float, nullable=False),  # adstock carry-over per day
    sa.Column("value_per_conversion", sa.Float, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),  # days of campaign data fitted
    sa.Column("current_daily_spend", sa.Float, nullable=False),
    sa.Column("current_daily_return", sa.Float, nullable=False),
)

mart_budget_allocation = sa.Table(
    "mart_budget_allocation",
    metadata,
    sa.Column("level", sa.String(10), primary_key=True),  # channel, campaign
    sa.Column("name", Name(), primary_key=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("daily_budget", sa.Float, nullable=False),  # the total split at this level
    sa.Column("current_spend", sa.Float, nullable=False),  # per day
    sa.Column("recommended_spend", sa.Float, nullable=False),
    sa.Column("share", sa.Float, nullable=False),
    sa.Column("expected_conversions", sa.Float, nullable=False),
    sa.Column("expected_return", sa.Float, nullable=False),
    sa.Column("current_return", sa.Float, nullable=False),
    sa.Column("marginal_return", sa.Float, nullable=False),
    sa.Column("roi", sa.Float),
)

mart_price_guidance = sa.Table(
    "mart_price_guidance",
    metadata,
    sa.Column("segment", sa.String(40), primary_key=True),
    sa.Column("category", Name(100), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),  # estimated, insufficient
    sa.Column("reason", sa.Unicode(300), nullable=False),  # why a number is (or is not) given
    sa.Column("observations", sa.Integer, nullable=False),  # sales lines used
    sa.Column("price_variation", sa.Float, nullable=False),  # std of log price relative to list
    sa.Column("elasticity", sa.Float),  # d log quantity / d log price; NULL when insufficient
    sa.Column("std_error", sa.Float),
    sa.Column("p_value", sa.Float),
    sa.Column("recommended_change_pct", sa.Float),  # price move the estimate supports, capped
    sa.Column("guidance", sa.Unicode(300), nullable=False),
    sa.Index(None, "status"),
)
