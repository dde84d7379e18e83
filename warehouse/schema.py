"""The warehouse schema: one SQLAlchemy metadata, the single source of truth for every dialect.

Layers, by table-name prefix:
    land_   every source record as received (raw payload, content hash, batch id);
    stg_    typed, standardised rows per entity, and the reject table;
    dim_, fact_, customer_xref   the core star schema and golden customers;
    mart_   aggregates the portal and the API read;
    ops_, app_   batch and step runs, watermarks, lineage, audit, users and roles.

Money is ``Numeric(14, 2)`` returned as float; text that people type is ``Unicode`` so SQL Server
gets ``NVARCHAR``. Facts are keyed by their source's natural key, so a rebuild gives the same rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def Money() -> sa.Numeric[float]:  # noqa: N802 - reads like a type in table definitions
    return sa.Numeric(14, 2, asdecimal=False)


def Name(length: int = 200) -> sa.Unicode:  # noqa: N802
    return sa.Unicode(length)


# Long text is NVARCHAR(max) and times are DATETIME2 on SQL Server (NTEXT and DATETIME are legacy there).
LongText = sa.UnicodeText().with_variant(mssql.NVARCHAR(), "mssql")
Timestamp = sa.DateTime().with_variant(mssql.DATETIME2(), "mssql")  # type: ignore[no-untyped-call]
BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite only auto-increments INTEGER keys

SOURCE = sa.String(40)  # source name from the sources config, e.g. "quickbooks"
ENTITY = sa.String(40)  # entity within the source, e.g. "Invoice"
KEY = sa.String(200)  # the record's key in its source

# --- ops: runs, watermarks, lineage, audit ----------------------------------------------------

ops_batch_run = sa.Table(
    "ops_batch_run",
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("finished_at", Timestamp),
    sa.Column("status", sa.String(20), nullable=False),  # running, succeeded, failed
    sa.Column("trigger", sa.String(40), nullable=False),  # cli, scheduler, api
    sa.Column("input_fingerprint", sa.String(64), nullable=False),
    sa.Column("message", LongText),
)

ops_step_run = sa.Table(
    "ops_step_run",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("ops_batch_run.batch_id"), primary_key=True),
    sa.Column("step", sa.String(40), primary_key=True),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("finished_at", Timestamp),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("rows_in", sa.Integer, nullable=False, default=0),
    sa.Column("rows_out", sa.Integer, nullable=False, default=0),
    sa.Column("rows_rejected", sa.Integer, nullable=False, default=0),
    sa.Column("message", LongText),
)

ops_watermark = sa.Table(
    "ops_watermark",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("value", LongText, nullable=False),  # a position, or a live source's JSON sync state
    sa.Column("batch_id", sa.Integer, nullable=False),
)

ops_lineage_edge = sa.Table(
    "ops_lineage_edge",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("ops_batch_run.batch_id"), primary_key=True),
    sa.Column("step", sa.String(40), primary_key=True),
    sa.Column("source_node", sa.String(120), primary_key=True),
    sa.Column("target_node", sa.String(120), primary_key=True),
    sa.Column("rows", sa.Integer, nullable=False),
)

ops_audit_log = sa.Table(
    "ops_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("object", sa.String(200)),
    sa.Column("detail", LongText),
    sa.Index(None, "at"),
)

ops_profile = sa.Table(
    "ops_profile",  # column profiles of the staging tables per batch and source, for the quality page
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True),
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("table_name", sa.String(60), primary_key=True),
    sa.Column("column_name", sa.String(60), primary_key=True),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("nulls", sa.Integer, nullable=False),
    sa.Column("distinct_values", sa.Integer, nullable=False),
    sa.Column("min_value", sa.Unicode(200)),  # numbers and dates: smallest value; text: shortest length
    sa.Column("max_value", sa.Unicode(200)),
    sa.Column("top_patterns", sa.Unicode(1000), nullable=False),  # JSON [[shape, count], ...]
)

app_role = sa.Table(
    "app_role",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("description", sa.Unicode(200), nullable=False),
)

app_user = sa.Table(
    "app_user",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("role", sa.String(40), sa.ForeignKey("app_role.name"), nullable=False),
    sa.Column("full_name", Name(), nullable=False),
    sa.Column("email", sa.String(200)),
    sa.Column("rep_key", sa.Integer),  # the sales rep a sales_rep user is, for "my customers"
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

# --- landing -----------------------------------------------------------------------------------

land_record = sa.Table(
    "land_record",
    metadata,
    sa.Column("land_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("source", SOURCE, nullable=False),
    sa.Column("entity", ENTITY, nullable=False),
    sa.Column("source_key", KEY, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("payload", LongText, nullable=False),
    sa.Column("received_at", Timestamp, nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("ops_batch_run.batch_id"), nullable=False),
    sa.UniqueConstraint("source", "entity", "source_key", "content_hash"),
    sa.Index(None, "batch_id"),
)

# --- staging -----------------------------------------------------------------------------------


def _staged(name: str, *columns: sa.Column[object] | sa.Index | sa.Constraint) -> sa.Table:
    """A staging table: keyed by (source, source_key), remembering the landed record it came from."""
    return sa.Table(
        name,
        metadata,
        sa.Column("source", SOURCE, primary_key=True),
        sa.Column("source_key", KEY, primary_key=True),
        *columns,
        sa.Column("land_id", BigId, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=False),
    )


stg_customer = _staged(
    "stg_customer",
    sa.Column("entity", ENTITY, nullable=False),  # Customer, Lead, Profile, Listing
    sa.Column("display_name", Name()),
    sa.Column("company_name", Name()),
    sa.Column("given_name", Name(100)),
    sa.Column("family_name", Name(100)),
    sa.Column("email", sa.String(200)),
    sa.Column("phone", sa.String(20)),  # E.164
    sa.Column("street", Name()),
    sa.Column("city", Name(100)),
    sa.Column("region", Name(100)),
    sa.Column("postcode", sa.String(20)),
    sa.Column("country", sa.String(2)),  # ISO 3166-1 alpha-2
    sa.Column("website", sa.String(200)),
    sa.Column("instagram_handle", sa.String(60)),
    sa.Column("segment", sa.String(40)),
    sa.Column("sales_rep", Name(100)),
    sa.Column("lead_status", sa.String(30)),
    sa.Column("lead_value", Money()),
    sa.Column("followers", sa.Integer),
    sa.Column("rating", sa.Float),
    sa.Column("created_at", Timestamp),
    sa.Column("updated_at", Timestamp),
    sa.Column("is_active", sa.Boolean),
)

stg_product = _staged(
    "stg_product",
    sa.Column("name", Name(), nullable=False),
    sa.Column("sku", sa.String(60)),
    sa.Column("category", Name(100)),
    sa.Column("unit_price", Money()),
    sa.Column("unit_cost", Money()),
)

stg_sales_line = sa.Table(
    "stg_sales_line",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("doc_type", sa.String(20), primary_key=True),  # invoice, sales_receipt
    sa.Column("doc_key", KEY, primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("doc_number", sa.String(40)),
    sa.Column("txn_date", sa.Date, nullable=False),
    sa.Column("customer_source_key", KEY, nullable=False),
    sa.Column("product_source_key", KEY),
    sa.Column("sales_rep", Name(100)),
    sa.Column("channel", sa.String(40)),
    sa.Column("quantity", sa.Float, nullable=False),
    sa.Column("unit_price", Money(), nullable=False),
    sa.Column("amount", Money(), nullable=False),
    sa.Column("land_id", BigId, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
)

stg_payment = _staged(
    "stg_payment",
    sa.Column("txn_date", sa.Date, nullable=False),
    sa.Column("customer_source_key", KEY, nullable=False),
    sa.Column("amount", Money(), nullable=False),
    sa.Column("method", sa.String(40)),
)

stg_interaction = _staged(
    "stg_interaction",
    sa.Column("kind", sa.String(30), nullable=False),  # call, email, visit, complaint, comment, post
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("customer_source", SOURCE, nullable=False),  # where the customer key points
    sa.Column("customer_source_key", KEY, nullable=False),
    sa.Column("channel", sa.String(40)),
    sa.Column("text", LongText),
    sa.Column("likes", sa.Integer),
    sa.Column("comments", sa.Integer),
)

stg_campaign = _staged(
    "stg_campaign",
    sa.Column("name", Name(), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    sa.Column("budget", Money()),
)

stg_campaign_daily = sa.Table(
    "stg_campaign_daily",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("campaign_source_key", KEY, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("spend", Money(), nullable=False),
    sa.Column("impressions", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("conversions", sa.Integer, nullable=False),
    sa.Column("land_id", BigId, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
)

stg_reject = sa.Table(
    "stg_reject",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("entity", ENTITY, primary_key=True),
    sa.Column("record_key", KEY, primary_key=True),
    sa.Column("rule", sa.String(60), primary_key=True),
    sa.Column("field", sa.String(60)),
    sa.Column("message", sa.Unicode(500), nullable=False),
    sa.Column("land_id", BigId, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Index(None, "batch_id"),
)

# --- core: golden customers and the star schema ---------------------------------------------------

dim_geography = sa.Table(
    "dim_geography",
    metadata,
    sa.Column("geography_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("city", Name(100), nullable=False),
    sa.Column("region", Name(100), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.UniqueConstraint("country", "region", "city"),
)

dim_sales_rep = sa.Table(
    "dim_sales_rep",
    metadata,
    sa.Column("rep_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", Name(100), nullable=False, unique=True),
)

dim_customer = sa.Table(
    "dim_customer",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),  # golden id, stable
    sa.Column("name", Name(), nullable=False),
    sa.Column("company_name", Name()),
    sa.Column("contact_name", Name()),
    sa.Column("email", sa.String(200)),
    sa.Column("phone", sa.String(20)),
    sa.Column("street", Name()),
    sa.Column("city", Name(100)),
    sa.Column("region", Name(100)),
    sa.Column("postcode", sa.String(20)),
    sa.Column("country", sa.String(2)),
    sa.Column("website", sa.String(200)),
    sa.Column("instagram_handle", sa.String(60)),
    sa.Column("segment", sa.String(40)),
    sa.Column("geography_key", sa.Integer, sa.ForeignKey("dim_geography.geography_key")),
    sa.Column("rep_key", sa.Integer, sa.ForeignKey("dim_sales_rep.rep_key")),
    sa.Column("is_customer", sa.Boolean, nullable=False),  # False: a prospect seen only in leads/directories
    sa.Column("source_count", sa.Integer, nullable=False),
    sa.Column(
        "completeness", sa.Float, nullable=False, default=0.0
    ),  # weighted share of profile fields filled, 0..1
    sa.Column("first_seen", Timestamp),
    sa.Index(None, "name"),
    sa.Index(None, "email"),
    sa.Index(None, "rep_key"),
)

customer_xref = sa.Table(
    "customer_xref",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("customer_key", sa.Integer, nullable=False),
    sa.Column("match_rule", sa.String(60), nullable=False),  # new, email, phone, source_id ...
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Index(None, "customer_key"),
)

identity_review = sa.Table(
    "identity_review",
    metadata,
    sa.Column("record_l", KEY, primary_key=True),  # source|source_key of the two records
    sa.Column("record_r", KEY, primary_key=True),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("match_key", sa.String(60)),
    sa.Column("status", sa.String(20), nullable=False),  # pending, accepted, rejected
    sa.Column("decided_by", sa.String(80)),
    sa.Column("decided_at", Timestamp),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Index(None, "status"),
)

identity_event = sa.Table(
    "identity_event",
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # new, merge, split
    sa.Column("customer_key", sa.Integer, nullable=False),  # the key that lives on (new: the new key)
    sa.Column("other_key", sa.Integer),  # merge: the key retired; split: the key split from
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("reason", sa.Unicode(500), nullable=False),
    sa.Index(None, "customer_key"),
)

golden_field = sa.Table(
    "golden_field",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("field", sa.String(40), primary_key=True),
    sa.Column("value", Name(300)),
    sa.Column("source", SOURCE, nullable=False),
    sa.Column("source_key", KEY, nullable=False),
    sa.Column("rule", sa.String(30), nullable=False),  # source_priority, most_recent, most_frequent
    sa.Column("candidates", sa.Integer, nullable=False),  # how many records offered a value
)

dim_product = sa.Table(
    "dim_product",
    metadata,
    sa.Column("product_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("source", SOURCE, nullable=False),
    sa.Column("source_key", KEY, nullable=False),
    sa.Column("name", Name(), nullable=False),
    sa.Column("sku", sa.String(60)),
    sa.Column("category", Name(100), nullable=False),
    sa.Column("unit_price", Money()),
    sa.Column("unit_cost", Money()),
    sa.UniqueConstraint("source", "source_key"),
)

dim_date = sa.Table(
    "dim_date",
    metadata,
    sa.Column("date_key", sa.Integer, primary_key=True, autoincrement=False),  # yyyymmdd
    sa.Column("day", sa.Date, nullable=False, unique=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("quarter", sa.Integer, nullable=False),
    sa.Column("month", sa.Integer, nullable=False),
    sa.Column("iso_week", sa.Integer, nullable=False),
    sa.Column("day_of_week", sa.Integer, nullable=False),  # 1 = Monday
    sa.Column("week_start", sa.Date, nullable=False),
    sa.Column("month_start", sa.Date, nullable=False),
    sa.Column("is_weekend", sa.Boolean, nullable=False),
)

dim_channel = sa.Table(
    "dim_channel",
    metadata,
    sa.Column("channel_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
)

dim_campaign = sa.Table(
    "dim_campaign",
    metadata,
    sa.Column("campaign_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("source", SOURCE, nullable=False),
    sa.Column("source_key", KEY, nullable=False),
    sa.Column("name", Name(), nullable=False),
    sa.Column("channel_key", sa.Integer, sa.ForeignKey("dim_channel.channel_key"), nullable=False),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    sa.Column("budget", Money()),
    sa.UniqueConstraint("source", "source_key"),
)

fact_sales_line = sa.Table(
    "fact_sales_line",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("doc_type", sa.String(20), primary_key=True),
    sa.Column("doc_key", KEY, primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("date_key", sa.Integer, sa.ForeignKey("dim_date.date_key"), nullable=False),
    sa.Column("customer_key", sa.Integer, sa.ForeignKey("dim_customer.customer_key"), nullable=False),
    sa.Column("product_key", sa.Integer, sa.ForeignKey("dim_product.product_key")),
    sa.Column("rep_key", sa.Integer, sa.ForeignKey("dim_sales_rep.rep_key")),
    sa.Column("channel_key", sa.Integer, sa.ForeignKey("dim_channel.channel_key")),
    sa.Column("quantity", sa.Float, nullable=False),
    sa.Column("unit_price", Money(), nullable=False),
    sa.Column("amount", Money(), nullable=False),
    sa.Index(None, "date_key"),
    sa.Index(None, "customer_key"),
)

fact_payment = sa.Table(
    "fact_payment",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("date_key", sa.Integer, sa.ForeignKey("dim_date.date_key"), nullable=False),
    sa.Column("customer_key", sa.Integer, sa.ForeignKey("dim_customer.customer_key"), nullable=False),
    sa.Column("amount", Money(), nullable=False),
    sa.Column("method", sa.String(40)),
    sa.Index(None, "customer_key"),
)

fact_interaction = sa.Table(
    "fact_interaction",
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("date_key", sa.Integer, sa.ForeignKey("dim_date.date_key"), nullable=False),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("customer_key", sa.Integer, sa.ForeignKey("dim_customer.customer_key"), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("channel_key", sa.Integer, sa.ForeignKey("dim_channel.channel_key")),
    sa.Column("text", LongText),
    sa.Column("likes", sa.Integer),
    sa.Column("comments", sa.Integer),
    sa.Index(None, "customer_key", "occurred_at"),
)

fact_campaign_daily = sa.Table(
    "fact_campaign_daily",
    metadata,
    sa.Column("campaign_key", sa.Integer, sa.ForeignKey("dim_campaign.campaign_key"), primary_key=True),
    sa.Column("date_key", sa.Integer, sa.ForeignKey("dim_date.date_key"), primary_key=True),
    sa.Column("spend", Money(), nullable=False),
    sa.Column("impressions", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("conversions", sa.Integer, nullable=False),
)

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
    sa.Column("evidence", sa.Unicode(300), nullable=False),
    sa.Index(None, "customer_key_b"),
)

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
    sa.Column("comparison", sa.String(3), primary_key=True),  # DoD, WoW, MoM, YoY
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
    sa.Column("kpi", sa.String(20), primary_key=True),  # revenue
    sa.Column("dimension", sa.String(20), primary_key=True),  # region, rep, category, segment, channel ...
    sa.Column("member", Name(), primary_key=True),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("kpi_before", sa.Float, nullable=False),  # the whole KPI in the baseline
    sa.Column("kpi_after", sa.Float, nullable=False),  # ... and in the period
    sa.Column("before_value", sa.Float, nullable=False),  # this member's part
    sa.Column("after_value", sa.Float, nullable=False),
    sa.Column("volume_before", sa.Float, nullable=False),  # orders
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
