"""Landing and staging: every record as received, then typed rows per entity, the rejects and field flags."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.encrypted import EncryptedText, blind_index
from warehouse.schema.types import (
    ENTITY,
    KEY,
    SOURCE,
    BigId,
    ExchangeRate,
    LongText,
    Money,
    Name,
    Timestamp,
    metadata,
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
    sa.Column("payload", EncryptedText, nullable=False),  # the whole raw record, encrypted at rest
    sa.Column("received_at", Timestamp, nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("ops_batch_run.batch_id"), nullable=False),
    sa.Index(None, "source", "entity", "source_key"),  # versions of a record; the same content may land
    sa.Index(None, "batch_id"),  # again after a deletion, so (key, content hash) is not unique
    sa.Index(None, "source", "land_id"),  # the stage step reads a source's landings in order, chunk by chunk
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
    sa.Column("email", EncryptedText),  # personal data: encrypted at rest (docs/security.md)
    sa.Column("phone", EncryptedText),  # E.164
    sa.Column("street", EncryptedText),
    sa.Column("city", Name(100)),
    sa.Column("region", Name(100)),
    sa.Column("postcode", sa.String(20)),
    sa.Column("country", sa.String(2)),  # ISO 3166-1 alpha-2
    sa.Column("website", sa.String(200)),
    sa.Column("instagram_handle", EncryptedText),
    sa.Column("segment", sa.String(40)),
    sa.Column("sales_rep", Name(100)),
    sa.Column("lead_status", sa.String(30)),
    sa.Column("lead_value", Money()),
    sa.Column("followers", sa.Integer),
    sa.Column("rating", sa.Float),
    sa.Column("created_at", Timestamp),
    sa.Column("updated_at", Timestamp),
    sa.Column("is_active", sa.Boolean),
    sa.Column("mobile", EncryptedText),  # E.164
    sa.Column("parent_source_key", KEY),  # a sub-customer's (job's) parent customer record in the same source
    sa.Column("terms", sa.String(40)),  # payment terms, e.g. "Net 30"
    sa.Column("balance", Money()),  # open balance as the source states it, in the source's home currency
    sa.Column("ship_address", EncryptedText),  # the shipping address on one line
    # The landed version's referral fields and notes ("Referred By", "referred by X"), a JSON list: may name people.
    sa.Column("referral_notes", EncryptedText),
    blind_index("email", "email"),
    blind_index("phone", "phone"),
)

stg_product = _staged(
    "stg_product",
    sa.Column("name", Name(), nullable=False),
    sa.Column("sku", sa.String(60)),
    sa.Column("category", Name(100)),
    sa.Column("unit_price", Money()),
    sa.Column("unit_cost", Money()),
)

stg_payment_method = _staged(
    "stg_payment_method",  # how a customer can pay (QuickBooks PaymentMethod): payments name it by reference
    sa.Column("name", Name(100), nullable=False),
    sa.Column("kind", sa.String(20)),  # CREDIT_CARD, NON_CREDIT_CARD
    sa.Column("is_active", sa.Boolean),
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
    sa.Column("unit_price", Money(), nullable=False),  # list price, home currency
    sa.Column("amount", Money(), nullable=False),  # net of discounts and tax, home currency
    sa.Column(
        "currency", sa.String(3)
    ),  # ISO 4217 code of the document, else its source's; NULL: the home currency
    sa.Column("exchange_rate", ExchangeRate),  # home units per document unit; NULL: as the source's home
    sa.Column("doc_amount", Money()),  # the amount in the document's currency
    sa.Column("terms", sa.String(40)),  # payment terms of the document, e.g. "Net 30"
    sa.Column("land_id", BigId, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
)

stg_payment = _staged(
    "stg_payment",
    sa.Column("txn_date", sa.Date, nullable=False),
    sa.Column("customer_source_key", KEY, nullable=False),
    sa.Column("amount", Money(), nullable=False),  # home currency
    sa.Column("method", sa.String(40)),  # the payment method's name, or its reference when only that is known
    sa.Column("method_ref", KEY),  # the source's reference of the payment method
    sa.Column("currency", sa.String(3)),
    sa.Column("exchange_rate", ExchangeRate),
    sa.Column("doc_amount", Money()),
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

stg_field_flag = sa.Table(
    "stg_field_flag",  # a field that failed its rule: staged as NULL (left out of matching), kept raw here
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("entity", ENTITY, primary_key=True),
    sa.Column("record_key", KEY, primary_key=True),
    sa.Column("field", sa.String(60), primary_key=True),  # the source's own field name
    sa.Column("rule", sa.String(60), nullable=False),
    sa.Column("raw_value", EncryptedText, nullable=False),  # an e-mail or phone among them: encrypted
    sa.Column("message", sa.Unicode(500), nullable=False),
    sa.Column("land_id", BigId, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Index(None, "batch_id"),
)

stg_deletion = sa.Table(
    "stg_deletion",  # records deleted at their source: soft deletes, with the rows they had staged, revivable
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("entity", ENTITY, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("land_id", BigId, primary_key=True),  # the tombstone: the evidence landed with its batch
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("deleted_at", Timestamp, nullable=False),
    sa.Column("evidence", sa.Unicode(500), nullable=False),
    sa.Column(
        "staged_rows", EncryptedText, nullable=False
    ),  # encrypted JSON {table: [row, ...]} as they were when deleted
    sa.Column("revived_batch", sa.Integer),  # the batch in which the record came back, if it did
    sa.Index(None, "batch_id"),
)
