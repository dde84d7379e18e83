"""Core: golden customers (with their cross-reference, review queue, events and field provenance) and the star schema."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.encrypted import EncryptedText, blind_index
from warehouse.schema.types import KEY, SOURCE, ExchangeRate, LongText, Money, Name, Timestamp, metadata

#: The golden key of the one "unidentified customer": sales without a customer (walk-in receipts) count as
#: revenue under it, but it is no customer: customer counts, lists and scores leave it out.
UNIDENTIFIED_CUSTOMER_KEY = 0
UNIDENTIFIED_CUSTOMER_NAME = "Unidentified customer (sales without a customer)"
#: The ``customer_source_key`` a staged sale without a customer carries (no source uses it as a key).
UNIDENTIFIED_SOURCE_KEY = "~unidentified"

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
    sa.Column("email", EncryptedText),  # personal data: encrypted at rest (docs/security.md)
    sa.Column("phone", EncryptedText),
    sa.Column("street", EncryptedText),
    sa.Column("city", Name(100)),
    sa.Column("region", Name(100)),
    sa.Column("postcode", sa.String(20)),
    sa.Column("country", sa.String(2)),
    sa.Column("website", sa.String(200)),
    sa.Column("instagram_handle", EncryptedText),
    sa.Column("segment", sa.String(40)),
    blind_index("email", "email"),  # exact lookups and grouping by e-mail or phone in SQL
    blind_index("phone", "phone"),
    sa.Column("geography_key", sa.Integer, sa.ForeignKey("dim_geography.geography_key")),
    sa.Column("rep_key", sa.Integer, sa.ForeignKey("dim_sales_rep.rep_key")),
    sa.Column("is_customer", sa.Boolean, nullable=False),  # False: a prospect seen only in leads/directories
    sa.Column("source_count", sa.Integer, nullable=False),
    sa.Column(
        "completeness", sa.Float, nullable=False, default=0.0
    ),  # weighted share of profile fields filled, 0..1
    sa.Column("first_seen", Timestamp),
    sa.Index(None, "name"),
    sa.Index(None, "email_hash"),
    sa.Index(None, "phone_hash"),
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

customer_xref_deleted = sa.Table(
    "customer_xref_deleted",  # the golden key a record had when its source deleted it, given back if it returns
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("customer_key", sa.Integer, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
)

core_member = sa.Table(
    "core_member",  # the cross-reference as the core step last built from it: what moved since is redone
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("customer_key", sa.Integer, nullable=False),
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
    sa.Index(None, "other_key"),  # a profile reads the events naming its key on either side
)

golden_field = sa.Table(
    "golden_field",
    metadata,
    sa.Column("customer_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("field", sa.String(40), primary_key=True),
    sa.Column("value", EncryptedText),  # the field's value, personal data among them: encrypted at rest
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
    sa.Column("unit_price", Money(), nullable=False),  # home currency
    sa.Column("amount", Money(), nullable=False),  # home currency, net of discounts and tax
    sa.Column("doc_currency", sa.String(3)),  # ISO 4217 code of the document (always set by core)
    sa.Column("exchange_rate", ExchangeRate),  # home units per document unit
    sa.Column("doc_amount", Money()),  # the amount in the document's currency
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
    sa.Column("amount", Money(), nullable=False),  # home currency
    sa.Column("method", sa.String(40)),
    sa.Column("doc_currency", sa.String(3)),
    sa.Column("exchange_rate", ExchangeRate),
    sa.Column("doc_amount", Money()),
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
