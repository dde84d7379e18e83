"""Marts the portal and API read, the model registry, customer scores, forecasts and relationships."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.encrypted import EncryptedText
from warehouse.schema.types import LongText, Money, Name, Timestamp, metadata

# --- marts: what the portal and the API read ------------------------------------------------------

mart_sales = sa.Table(
    "mart_sales",
    metadata,
    sa.Column("grain", sa.String(5), primary_key=True),  # day, week, month
    sa.Column("period_start", sa.Date, primary_key=True),
    sa.Column("rep", Name(100), primary_key=True),
    sa.Column("region", Name(100), primary_key=True),
    sa.Column("category", Name(100), primary_key=True),
    sa.Column("segment", sa.String(40), primary_key=True),
    sa.Column("revenue", Money(), nullable=False),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Column("units", sa.Float, nullable=False),
    sa.Column("customers", sa.Integer, nullable=False),
)

mart_kpi_daily = sa.Table(
    "mart_kpi_daily",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("revenue", Money(), nullable=False),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Column("active_customers", sa.Integer, nullable=False),  # bought in the 90 days to this day
    sa.Column("new_customers", sa.Integer, nullable=False),  # first purchase on this day
)

mart_customer_kpi = sa.Table(
    "mart_customer_kpi",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", Name(), nullable=False),
    sa.Column("city", Name(100)),
    sa.Column("region", Name(100)),
    sa.Column("segment", sa.String(40)),
    sa.Column("rep", Name(100)),
    sa.Column("is_customer", sa.Boolean, nullable=False),
    sa.Column("first_purchase", sa.Date),
    sa.Column("last_purchase", sa.Date),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Column("revenue_total", Money(), nullable=False),
    sa.Column("revenue_365d", Money(), nullable=False),
    sa.Column("avg_order_value", Money(), nullable=False),
    sa.Column("recency_days", sa.Integer),
    sa.Column("interactions_90d", sa.Integer, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("completeness", sa.Float, nullable=False, default=0.0),
    sa.Index(None, "name"),
    sa.Index(None, "rep"),
    sa.Index(None, "revenue_total"),
)

mart_lead_funnel = sa.Table(
    "mart_lead_funnel",
    metadata,
    sa.Column("rep", Name(100), primary_key=True),
    sa.Column("stage", sa.String(30), primary_key=True),
    sa.Column("stage_order", sa.Integer, nullable=False),
    sa.Column("leads", sa.Integer, nullable=False),
    sa.Column("value", Money(), nullable=False),
)

# --- models: registry and scores ------------------------------------------------------------------

model_registry = sa.Table(
    "model_registry",
    metadata,
    sa.Column("model", sa.String(40), primary_key=True),  # churn, clv, forecast, lead_score ...
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(20), nullable=False),  # champion, challenger, retired
    sa.Column("algorithm", sa.String(80), nullable=False),
    sa.Column("trained_at", Timestamp, nullable=False),
    sa.Column("train_start", sa.Date),
    sa.Column("train_end", sa.Date),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("features", LongText, nullable=False),  # JSON list
    sa.Column("metrics", LongText, nullable=False),  # JSON object, measured on the holdout
    sa.Column("holdout", sa.Unicode(200), nullable=False),  # how the holdout was drawn
    sa.Column("decision", sa.Unicode(500)),  # why it became (or did not become) champion
    sa.Column("batch_id", sa.Integer),
    sa.Column("file_sha256", sa.String(64)),  # the fitted model file's hash, checked before it is unpickled
    # JSON: how the algorithm was chosen, with every candidate's figure at every rolling origin
    sa.Column("selection", LongText),
)

mart_customer_score = sa.Table(
    "mart_customer_score",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("churn_probability", sa.Float),
    sa.Column("clv_12m", Money()),
    sa.Column("expected_orders_12m", sa.Float),
    sa.Column("lead_score", sa.Float),  # prospects: chance to become a customer, 0..1
    sa.Column("upsell_propensity", sa.Float),  # chance to buy a category not bought before, 0..1
    sa.Column("upsell_category", Name(100)),  # the category that chance is for
    sa.Column("upsell_product", Name()),  # that category's best seller in the customer's segment
    sa.Column("next_best_action", sa.String(40)),
    sa.Column("action_value", Money()),
    sa.Column("scored_at", Timestamp, nullable=False),
    sa.Column("model_versions", sa.String(200), nullable=False),  # e.g. "churn:3,clv:2"
    sa.Index(None, "churn_probability"),
    sa.Index(None, "upsell_propensity"),
)

mart_sales_forecast = sa.Table(
    "mart_sales_forecast",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("forecast", Money(), nullable=False),
    sa.Column("lower_80", Money(), nullable=False),
    sa.Column("upper_80", Money(), nullable=False),
    sa.Column("model", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

customer_relationship = sa.Table(
    "customer_relationship",
    metadata,
    sa.Column("customer_key_a", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_key_b", sa.Integer, primary_key=True, autoincrement=False),  # a < b
    sa.Column("kind", sa.String(30), primary_key=True),  # shared_address, shared_phone, web_domain, ...
    sa.Column("strength", sa.Float, nullable=False),  # 0..1
    # What the two share (a phone, an address, a contact's name, a referral note): personal data, encrypted at rest.
    sa.Column("evidence", EncryptedText, nullable=False),
    sa.Index(None, "customer_key_b"),
)

relationship_value = sa.Table(
    "relationship_value",
    metadata,
    # What each golden customer holds that a relationship may rest on (pipeline.identity.relationships):
    # the standardised phones, addresses, web domains and contacts of its records, the names a referral may
    # give it, its Instagram handle, its referral notes. Kept so a batch works out again only the customers
    # whose records changed, and the customers sharing a value with them.
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(30), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),  # keyed hash of kind and value: equal values meet
    sa.Column("value", EncryptedText),  # what evidence shows; none for a name or handle (looked up by digest)
    sa.Index(None, "digest"),
)

mart_sales_detail = sa.Table(
    "mart_sales_detail",
    metadata,
    # Month-grain sales per customer and product: the customer and product levels of the portal's drill-down.
    sa.Column("month_start", sa.Date, primary_key=True),
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("category", Name(100), primary_key=True),
    sa.Column("product", Name(), primary_key=True),
    sa.Column("customer", Name(), nullable=False),
    sa.Column("rep", Name(100), nullable=False),
    sa.Column("region", Name(100), nullable=False),
    sa.Column("revenue", Money(), nullable=False),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Index(None, "region", "rep", "month_start"),
    sa.Index(None, "category", "month_start"),
)
