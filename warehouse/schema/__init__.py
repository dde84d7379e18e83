"""The warehouse schema: one SQLAlchemy metadata, the single source of truth for every dialect.

Layers, by table-name prefix:
    land_   every source record as received (raw payload, content hash, batch id);
    stg_    typed, standardised rows per entity, and the reject table;
    dim_, fact_, customer_xref   the core star schema and golden customers;
    golden_override   stewards' hand-set golden values, applied by every batch;
    mart_   aggregates the portal and the API read;
    evt_, proj_  the event log, the outbox of warehouse changes, and projections rebuilt from the log;
    dq_     data-quality rule results and the stewardship items failing rules open;
    ops_, app_   batch and step runs, watermarks, lineage, audit, users and roles;
    privacy_     consent per purpose, data-subject requests and the sources' suppressed records;
    app_session, sec_event, app_user_mfa   sign-in sessions, security events and second factors.

Money is ``Numeric(14, 2)`` returned as float; text that people type is ``Unicode`` so SQL Server
gets ``NVARCHAR``. Facts are keyed by their source's natural key, so a rebuild gives the same rows.
One module per layer (``ops``, ``security``, ``staging``, ``core``, ``marts``, ``analytics``, ``events``,
``privacy``); import tables from here.
"""

from __future__ import annotations

from warehouse.schema import (
    portal_indexes,  # noqa: F401  (sort and queue indexes on the tables above)
    text_index,  # noqa: F401  (the customer text index: FTS5, pg_trgm)
)
from warehouse.schema.analytics import (
    mart_budget_allocation,
    mart_campaign_performance,
    mart_channel_response,
    mart_cohort_retention,
    mart_customer_rfm,
    mart_growth,
    mart_kpi_anomaly,
    mart_kpi_drivers,
    mart_price_guidance,
    mart_product_affinity,
    mart_purchase_distribution,
)
from warehouse.schema.api import (
    app_api_key,
    app_api_refresh_token,
    app_api_token_family,
    app_api_webhook,
    ops_api_delivery,
)
from warehouse.schema.budget import app_budget_request
from warehouse.schema.core import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_CUSTOMER_NAME,
    UNIDENTIFIED_SOURCE_KEY,
    core_member,
    customer_xref,
    customer_xref_deleted,
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_date,
    dim_geography,
    dim_product,
    dim_sales_rep,
    fact_campaign_daily,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    golden_field,
    identity_event,
    identity_review,
)
from warehouse.schema.events import (
    OUTBOX_TABLES,
    evt_log,
    evt_outbox,
    evt_profile_state,
    proj_customer_activity,
    proj_customer_timeline,
)
from warehouse.schema.marts import (
    customer_relationship,
    mart_customer_kpi,
    mart_customer_score,
    mart_kpi_daily,
    mart_lead_funnel,
    mart_sales,
    mart_sales_detail,
    mart_sales_forecast,
    model_registry,
    relationship_value,
)
from warehouse.schema.ops import (
    app_role,
    app_user,
    dq_issue,
    dq_issue_event,
    dq_rule_result,
    ops_audit_log,
    ops_batch_run,
    ops_core_change,
    ops_deletion_hold,
    ops_deletion_hold_record,
    ops_land_part,
    ops_lineage_edge,
    ops_profile,
    ops_run_lock,
    ops_step_run,
    ops_watermark,
)
from warehouse.schema.overrides import golden_override
from warehouse.schema.privacy import privacy_consent, privacy_request, privacy_suppression
from warehouse.schema.security import app_recovery_code, app_session, app_user_mfa, sec_event
from warehouse.schema.staging import (
    land_record,
    stg_campaign,
    stg_campaign_daily,
    stg_customer,
    stg_deletion,
    stg_field_flag,
    stg_interaction,
    stg_payment,
    stg_payment_method,
    stg_product,
    stg_reject,
    stg_sales_line,
)
from warehouse.schema.summaries import mart_action_summary, mart_rfm_summary, mart_sales_by_day
from warehouse.schema.types import ENTITY, KEY, SOURCE, BigId, LongText, Money, Name, Timestamp, metadata

__all__ = [
    "OUTBOX_TABLES",
    "UNIDENTIFIED_CUSTOMER_KEY",
    "UNIDENTIFIED_CUSTOMER_NAME",
    "UNIDENTIFIED_SOURCE_KEY",
    "BigId",
    "ENTITY",
    "KEY",
    "LongText",
    "Money",
    "Name",
    "SOURCE",
    "Timestamp",
    "app_api_key",
    "app_api_refresh_token",
    "app_api_token_family",
    "app_api_webhook",
    "app_budget_request",
    "app_recovery_code",
    "app_role",
    "app_session",
    "app_user",
    "app_user_mfa",
    "customer_relationship",
    "core_member",
    "customer_xref",
    "customer_xref_deleted",
    "dim_campaign",
    "dim_channel",
    "dim_customer",
    "dim_date",
    "dim_geography",
    "dim_product",
    "dim_sales_rep",
    "evt_log",
    "evt_outbox",
    "evt_profile_state",
    "fact_campaign_daily",
    "fact_interaction",
    "ops_api_delivery",
    "fact_payment",
    "fact_sales_line",
    "golden_field",
    "golden_override",
    "identity_event",
    "identity_review",
    "land_record",
    "mart_budget_allocation",
    "mart_campaign_performance",
    "mart_channel_response",
    "mart_cohort_retention",
    "mart_customer_kpi",
    "mart_customer_rfm",
    "mart_customer_score",
    "mart_growth",
    "mart_kpi_anomaly",
    "mart_kpi_daily",
    "mart_kpi_drivers",
    "mart_lead_funnel",
    "mart_price_guidance",
    "mart_product_affinity",
    "mart_purchase_distribution",
    "mart_sales",
    "mart_action_summary",
    "mart_rfm_summary",
    "mart_sales_by_day",
    "mart_sales_detail",
    "mart_sales_forecast",
    "dq_issue",
    "dq_issue_event",
    "dq_rule_result",
    "metadata",
    "model_registry",
    "proj_customer_activity",
    "proj_customer_timeline",
    "relationship_value",
    "ops_audit_log",
    "ops_deletion_hold",
    "ops_deletion_hold_record",
    "ops_batch_run",
    "ops_core_change",
    "ops_land_part",
    "ops_lineage_edge",
    "ops_profile",
    "ops_run_lock",
    "ops_step_run",
    "ops_watermark",
    "sec_event",
    "privacy_consent",
    "privacy_request",
    "privacy_suppression",
    "stg_campaign",
    "stg_campaign_daily",
    "stg_customer",
    "stg_deletion",
    "stg_field_flag",
    "stg_interaction",
    "stg_payment",
    "stg_payment_method",
    "stg_product",
    "stg_reject",
    "stg_sales_line",
]
