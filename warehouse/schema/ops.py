"""Operations: batch and step runs, watermarks, lineage, audit, data profiles, users and roles."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.schema.encrypted import EncryptedText
from warehouse.schema.types import ENTITY, KEY, SOURCE, LongText, Name, Timestamp, metadata

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
    sa.Column(
        "watermarks", LongText
    ),  # JSON of every watermark as the batch found it (what abandon restores)
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
    # the batch process's peak resident memory during the step (ops.memory; NULL where not measured)
    sa.Column("peak_rss_mb", sa.Integer),
)

ops_watermark = sa.Table(
    "ops_watermark",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("value", LongText, nullable=False),  # a position, or a live source's JSON sync state
    sa.Column("batch_id", sa.Integer, nullable=False),
)

ops_land_part = sa.Table(
    "ops_land_part",  # what the land step last read of each part of a file source: an unchanged part is not read
    metadata,
    sa.Column("source", SOURCE, primary_key=True),
    sa.Column("part", ENTITY, primary_key=True),  # an entity with files of its own, or "*": the whole source
    sa.Column("fingerprint", sa.String(64), nullable=False),  # the part's files and the source's config entry
    sa.Column("records", sa.Integer, nullable=False),  # records that read yielded
    sa.Column("state", sa.String(200), nullable=False),  # deletion holds and erasures of the source then
    sa.Column("batch_id", sa.Integer, nullable=False),  # the batch that read it
)

ops_core_change = sa.Table(
    "ops_core_change",  # what the core step changed in a batch, for the steps after it (pipeline.changes)
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),  # all, customer, day
    sa.Column("key", sa.Integer, primary_key=True),  # a customer key, a date key (YYYYMMDD), or 0 for all
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

ops_run_lock = sa.Table(
    "ops_run_lock",  # one row while a batch runs: who holds the pipeline, and when it last said so
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("acquired_at", Timestamp, nullable=False),
    sa.Column("heartbeat_at", Timestamp, nullable=False),
)

ops_deletion_hold = sa.Table(
    "ops_deletion_hold",  # deletions a batch would apply beyond the circuit breaker's limit, held for a steward
    metadata,
    sa.Column("hold_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("source", SOURCE, nullable=False),
    sa.Column("entity", ENTITY, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),  # deletions held
    sa.Column("live_records", sa.Integer, nullable=False),  # the entity's records before the batch
    sa.Column("reason", sa.Unicode(500), nullable=False),
    sa.Column("evidence", LongText, nullable=False),  # what was read: files, pages, sheets
    sa.Column("status", sa.String(20), nullable=False),  # held, approved, discarded
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("decided_at", Timestamp),
    sa.Column("decided_by", sa.String(80)),
    sa.Index(None, "status"),
)

ops_deletion_hold_record = sa.Table(
    "ops_deletion_hold_record",  # the tombstones a hold keeps back, landed only if it is approved
    metadata,
    sa.Column("hold_id", sa.Integer, sa.ForeignKey("ops_deletion_hold.hold_id"), primary_key=True),
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),  # the record's version it would delete
    sa.Column("payload", EncryptedText, nullable=False),
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
    sa.Column("address", sa.String(100)),  # where the request came from (client address), when known
    # The hash chain (warehouse.audit): each row's hash covers its values and the hash of the row before.
    sa.Column("prev_hash", sa.String(64)),
    sa.Column("row_hash", sa.String(64)),
    sa.Index(None, "at"),
    # One row per predecessor, so two writers can never fork the chain (NULL: not chained yet).
    sa.Index(None, "prev_hash", unique=True, mssql_where=sa.text("prev_hash IS NOT NULL")),
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

# --- data quality rules and stewardship ----------------------------------------------------------

dq_rule_result = sa.Table(
    "dq_rule_result",  # every rule measured after every batch: the trend a steward reads
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True),
    sa.Column("rule", sa.String(60), primary_key=True),
    sa.Column("dataset", sa.String(60), nullable=False),
    sa.Column(
        "kind", sa.String(20), nullable=False
    ),  # completeness, validity, uniqueness, freshness, consistency
    sa.Column("value", sa.Float),  # None: nothing to measure in this batch (the rule passes)
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("detail", sa.Unicode(500), nullable=False),
    sa.Column("measured_at", Timestamp, nullable=False),
)

dq_issue = sa.Table(
    "dq_issue",  # a failing rule opens one item; it stays open (failing again adds to it) until decided
    metadata,
    sa.Column("issue_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(60), nullable=False),
    sa.Column("dataset", sa.String(60), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open, assigned, resolved, waived
    sa.Column("assignee", sa.String(80)),
    sa.Column("summary", sa.Unicode(500), nullable=False),
    sa.Column("opened_at", Timestamp, nullable=False),
    sa.Column("opened_batch", sa.Integer, nullable=False),
    sa.Column("last_failed_batch", sa.Integer, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index(None, "rule", "status"),
)

dq_issue_event = sa.Table(
    "dq_issue_event",  # the item's history: opened, failed again, assigned, commented, resolved, waived, reopened
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("dq_issue.issue_id"), nullable=False),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("comment", sa.Unicode(1000)),
    sa.Index(None, "issue_id"),
)
