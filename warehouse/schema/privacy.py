"""Privacy: consent and lawful basis per purpose, data-subject requests, and source records suppressed after erasure."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import ENTITY, KEY, SOURCE, LongText, Timestamp, metadata

privacy_consent = sa.Table(
    "privacy_consent",  # append-only: the latest row per (customer, purpose) is the one in force
    metadata,
    sa.Column("consent_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("customer_key", sa.Integer, nullable=False),
    sa.Column("purpose", sa.String(40), nullable=False),  # marketing_email, marketing_sms, profiling ...
    sa.Column("lawful_basis", sa.String(30), nullable=False),  # consent, contract, legitimate_interest ...
    sa.Column("granted", sa.Boolean, nullable=False),  # False: withdrawn consent or an objection (opt-out)
    sa.Column("source", sa.String(80), nullable=False),  # where it was given: portal, web form, phone ...
    sa.Column("recorded_at", Timestamp, nullable=False),
    sa.Column("recorded_by", sa.String(80), nullable=False),
    sa.Index(None, "customer_key", "purpose"),
    sa.Index(None, "purpose"),
)

privacy_request = sa.Table(
    "privacy_request",  # data-subject requests: access (export), erasure, opt-out; kept as evidence
    metadata,
    sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # access, erasure, opt_out
    sa.Column("customer_key", sa.Integer, nullable=False),
    sa.Column("requested_at", Timestamp, nullable=False),
    sa.Column("completed_at", Timestamp),
    sa.Column("requested_by", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open, completed, failed
    sa.Column("summary", LongText),  # JSON: what was exported or erased, counts per table
    sa.Index(None, "customer_key"),
    sa.Index(None, "kind", "status"),
)

privacy_suppression = sa.Table(
    "privacy_suppression",  # source records of erased people: pseudonymised whenever they land again
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("entity", ENTITY, primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("customer_key", sa.Integer, nullable=False),
    sa.Column("pseudonym", sa.String(40), nullable=False),
    sa.Column("request_id", sa.Integer, nullable=False),
    sa.Column("erased_at", Timestamp, nullable=False),
    sa.Index(None, "customer_key"),
)
