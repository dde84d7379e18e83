"""Budget reallocation requests and their approvals (requirement 7.6: approval workflows against maverick
spending). Operational ``app_`` tables: they describe decisions, not sales data."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.types import LongText, Money, Timestamp, metadata

app_budget_request = sa.Table(
    "app_budget_request",  # a proposed channel reallocation: applied at once below the threshold, else a manager decides
    metadata,
    sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("requested_at", Timestamp, nullable=False),
    sa.Column("requested_by", sa.String(80), nullable=False),
    sa.Column("plan", LongText, nullable=False),  # JSON list of {channel, current, recommended, lower, upper}
    sa.Column("amount_moved", Money(), nullable=False),  # daily spend moved between channels
    sa.Column("threshold", Money(), nullable=False),  # the approval threshold when it was requested
    sa.Column("status", sa.String(20), nullable=False),  # pending, approved, rejected, auto_approved
    sa.Column("decided_by", sa.String(80)),
    sa.Column("decided_at", Timestamp),
    sa.Column("note", sa.Unicode(500)),
    sa.Index(None, "status"),
)
