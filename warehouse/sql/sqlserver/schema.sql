-- Customer 360 warehouse schema for Microsoft SQL Server.
-- Generated from warehouse/schema/ by `python -m warehouse.ddl`; do not edit by hand.
-- Production databases are upgraded with Alembic (`alembic upgrade head`); this file is for review
-- and for DBAs who create the schema themselves.

CREATE TABLE app_api_webhook (
	subscription_id INTEGER NOT NULL IDENTITY, 
	url VARCHAR(500) NOT NULL, 
	event_types VARCHAR(500) NOT NULL, 
	secret VARCHAR(100) NOT NULL, 
	owner VARCHAR(80) NOT NULL, 
	active BIT NOT NULL, 
	created_at DATETIME2 NOT NULL, 
	CONSTRAINT pk_app_api_webhook PRIMARY KEY (subscription_id)
);
GO

CREATE TABLE app_budget_request (
	request_id INTEGER NOT NULL IDENTITY, 
	requested_at DATETIME2 NOT NULL, 
	requested_by VARCHAR(80) NOT NULL, 
	[plan] NVARCHAR(max) NOT NULL, 
	amount_moved NUMERIC(14, 2) NOT NULL, 
	threshold NUMERIC(14, 2) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	decided_by VARCHAR(80) NULL, 
	decided_at DATETIME2 NULL, 
	note NVARCHAR(500) NULL, 
	CONSTRAINT pk_app_budget_request PRIMARY KEY (request_id)
);
GO

CREATE INDEX ix_app_budget_request_status ON app_budget_request (status);
GO

CREATE TABLE app_role (
	name VARCHAR(40) NOT NULL, 
	description NVARCHAR(200) NOT NULL, 
	CONSTRAINT pk_app_role PRIMARY KEY (name)
);
GO

CREATE TABLE core_member (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	customer_key INTEGER NOT NULL, 
	CONSTRAINT pk_core_member PRIMARY KEY (source, source_key)
);
GO

CREATE INDEX ix_core_member_customer_key ON core_member (customer_key);
GO

CREATE TABLE customer_relationship (
	customer_key_a INTEGER NOT NULL, 
	customer_key_b INTEGER NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	strength FLOAT NOT NULL, 
	evidence NVARCHAR(max) NOT NULL, 
	CONSTRAINT pk_customer_relationship PRIMARY KEY (customer_key_a, customer_key_b, kind)
);
GO

CREATE INDEX ix_customer_relationship_customer_key_b ON customer_relationship (customer_key_b);
GO

CREATE TABLE customer_xref (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	customer_key INTEGER NOT NULL, 
	match_rule VARCHAR(60) NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_customer_xref PRIMARY KEY (source, source_key)
);
GO

CREATE INDEX ix_customer_xref_customer_key ON customer_xref (customer_key);
GO

CREATE TABLE customer_xref_deleted (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	customer_key INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_customer_xref_deleted PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE dim_channel (
	channel_key INTEGER NOT NULL, 
	name VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_dim_channel PRIMARY KEY (channel_key), 
	CONSTRAINT uq_dim_channel_name UNIQUE (name)
);
GO

CREATE TABLE dim_date (
	date_key INTEGER NOT NULL, 
	day DATETIME NOT NULL, 
	year INTEGER NOT NULL, 
	quarter INTEGER NOT NULL, 
	month INTEGER NOT NULL, 
	iso_week INTEGER NOT NULL, 
	day_of_week INTEGER NOT NULL, 
	week_start DATETIME NOT NULL, 
	month_start DATETIME NOT NULL, 
	is_weekend BIT NOT NULL, 
	CONSTRAINT pk_dim_date PRIMARY KEY (date_key), 
	CONSTRAINT uq_dim_date_day UNIQUE (day)
);
GO

CREATE TABLE dim_geography (
	geography_key INTEGER NOT NULL, 
	city NVARCHAR(100) NOT NULL, 
	region NVARCHAR(100) NOT NULL, 
	country VARCHAR(2) NOT NULL, 
	CONSTRAINT pk_dim_geography PRIMARY KEY (geography_key), 
	CONSTRAINT uq_dim_geography_country_region_city UNIQUE (country, region, city)
);
GO

CREATE TABLE dim_product (
	product_key INTEGER NOT NULL, 
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	sku VARCHAR(60) NULL, 
	category NVARCHAR(100) NOT NULL, 
	unit_price NUMERIC(14, 2) NULL, 
	unit_cost NUMERIC(14, 2) NULL, 
	CONSTRAINT pk_dim_product PRIMARY KEY (product_key), 
	CONSTRAINT uq_dim_product_source_source_key UNIQUE (source, source_key)
);
GO

CREATE TABLE dim_sales_rep (
	rep_key INTEGER NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	CONSTRAINT pk_dim_sales_rep PRIMARY KEY (rep_key), 
	CONSTRAINT uq_dim_sales_rep_name UNIQUE (name)
);
GO

CREATE TABLE dq_issue (
	issue_id INTEGER NOT NULL IDENTITY, 
	[rule] VARCHAR(60) NOT NULL, 
	dataset VARCHAR(60) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	assignee VARCHAR(80) NULL, 
	summary NVARCHAR(500) NOT NULL, 
	opened_at DATETIME2 NOT NULL, 
	opened_batch INTEGER NOT NULL, 
	last_failed_batch INTEGER NOT NULL, 
	updated_at DATETIME2 NOT NULL, 
	CONSTRAINT pk_dq_issue PRIMARY KEY (issue_id)
);
GO

CREATE INDEX ix_dq_issue_rule_status ON dq_issue ([rule], status);
GO

CREATE TABLE dq_rule_result (
	batch_id INTEGER NOT NULL, 
	[rule] VARCHAR(60) NOT NULL, 
	dataset VARCHAR(60) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	value FLOAT NULL, 
	threshold FLOAT NOT NULL, 
	passed BIT NOT NULL, 
	detail NVARCHAR(500) NOT NULL, 
	measured_at DATETIME2 NOT NULL, 
	CONSTRAINT pk_dq_rule_result PRIMARY KEY (batch_id, [rule])
);
GO

CREATE TABLE evt_log (
	seq BIGINT NOT NULL IDENTITY, 
	event_id VARCHAR(64) NOT NULL, 
	type VARCHAR(40) NOT NULL, 
	customer_key INTEGER NULL, 
	source_key VARCHAR(200) NULL, 
	channel VARCHAR(40) NULL, 
	occurred_at DATETIME2 NOT NULL, 
	recorded_at DATETIME2 NOT NULL, 
	producer VARCHAR(20) NOT NULL, 
	body NVARCHAR(max) NOT NULL, 
	CONSTRAINT pk_evt_log PRIMARY KEY (seq), 
	CONSTRAINT uq_evt_log_event_id UNIQUE (event_id)
);
GO

CREATE INDEX ix_evt_log_customer_key ON evt_log (customer_key);
GO

CREATE TABLE evt_outbox (
	seq BIGINT NOT NULL IDENTITY, 
	table_name VARCHAR(60) NOT NULL, 
	op VARCHAR(1) NOT NULL, 
	pk VARCHAR(200) NOT NULL, 
	before NVARCHAR(max) NULL, 
	after NVARCHAR(max) NULL, 
	created_at DATETIME2 NOT NULL, 
	relayed_at DATETIME2 NULL, 
	CONSTRAINT pk_evt_outbox PRIMARY KEY (seq)
);
GO

CREATE INDEX ix_evt_outbox_relayed_at_seq ON evt_outbox (relayed_at, seq);
GO

CREATE INDEX ix_evt_outbox_table_name_pk ON evt_outbox (table_name, pk);
GO

CREATE TABLE evt_profile_state (
	customer_key INTEGER NOT NULL, 
	digest NVARCHAR(max) NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_evt_profile_state PRIMARY KEY (customer_key)
);
GO

CREATE TABLE golden_field (
	customer_key INTEGER NOT NULL, 
	field VARCHAR(40) NOT NULL, 
	value NVARCHAR(max) NULL, 
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	[rule] VARCHAR(30) NOT NULL, 
	candidates INTEGER NOT NULL, 
	CONSTRAINT pk_golden_field PRIMARY KEY (customer_key, field)
);
GO

CREATE TABLE golden_override (
	customer_key INTEGER NOT NULL, 
	field VARCHAR(40) NOT NULL, 
	value NVARCHAR(300) NOT NULL, 
	reason NVARCHAR(300) NOT NULL, 
	set_by VARCHAR(80) NOT NULL, 
	set_at DATETIME2 NOT NULL, 
	CONSTRAINT pk_golden_override PRIMARY KEY (customer_key, field)
);
GO

CREATE TABLE identity_event (
	batch_id INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	customer_key INTEGER NOT NULL, 
	other_key INTEGER NULL, 
	records INTEGER NOT NULL, 
	reason NVARCHAR(500) NOT NULL, 
	CONSTRAINT pk_identity_event PRIMARY KEY (batch_id, seq)
);
GO

CREATE INDEX ix_identity_event_customer_key ON identity_event (customer_key);
GO

CREATE INDEX ix_identity_event_other_key ON identity_event (other_key);
GO

CREATE TABLE identity_review (
	record_l VARCHAR(200) NOT NULL, 
	record_r VARCHAR(200) NOT NULL, 
	match_probability FLOAT NOT NULL, 
	match_key VARCHAR(60) NULL, 
	status VARCHAR(20) NOT NULL, 
	decided_by VARCHAR(80) NULL, 
	decided_at DATETIME2 NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_identity_review PRIMARY KEY (record_l, record_r)
);
GO

CREATE INDEX ix_identity_review_queue_asc ON identity_review (status, match_probability, record_l, record_r);
GO

CREATE INDEX ix_identity_review_queue_desc ON identity_review (status, match_probability DESC, record_l, record_r);
GO

CREATE INDEX ix_identity_review_status ON identity_review (status);
GO

CREATE TABLE mart_action_summary (
	rep_key INTEGER NOT NULL, 
	region NVARCHAR(100) NOT NULL, 
	rfm_segment VARCHAR(30) NOT NULL, 
	m_score INTEGER NOT NULL, 
	action VARCHAR(40) NOT NULL, 
	customers INTEGER NOT NULL, 
	value NUMERIC(14, 2) NOT NULL, 
	CONSTRAINT pk_mart_action_summary PRIMARY KEY (rep_key, region, rfm_segment, m_score, action)
);
GO

CREATE TABLE mart_budget_allocation (
	level VARCHAR(10) NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	channel VARCHAR(40) NOT NULL, 
	daily_budget FLOAT NOT NULL, 
	current_spend FLOAT NOT NULL, 
	recommended_spend FLOAT NOT NULL, 
	share FLOAT NOT NULL, 
	expected_conversions FLOAT NOT NULL, 
	expected_return FLOAT NOT NULL, 
	current_return FLOAT NOT NULL, 
	marginal_return FLOAT NOT NULL, 
	roi FLOAT NULL, 
	CONSTRAINT pk_mart_budget_allocation PRIMARY KEY (level, name)
);
GO

CREATE TABLE mart_campaign_performance (
	campaign_key INTEGER NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	channel VARCHAR(40) NOT NULL, 
	start_date DATETIME NULL, 
	end_date DATETIME NULL, 
	spend NUMERIC(14, 2) NOT NULL, 
	impressions INTEGER NOT NULL, 
	clicks INTEGER NOT NULL, 
	conversions INTEGER NOT NULL, 
	ctr FLOAT NULL, 
	conversion_rate FLOAT NULL, 
	cac FLOAT NULL, 
	customers INTEGER NOT NULL, 
	revenue NUMERIC(14, 2) NOT NULL, 
	roi FLOAT NULL, 
	CONSTRAINT pk_mart_campaign_performance PRIMARY KEY (campaign_key)
);
GO

CREATE INDEX ix_mart_campaign_performance_channel ON mart_campaign_performance (channel);
GO

CREATE TABLE mart_channel_response (
	channel VARCHAR(40) NOT NULL, 
	alpha FLOAT NOT NULL, 
	half_saturation FLOAT NOT NULL, 
	shape FLOAT NOT NULL, 
	decay FLOAT NOT NULL, 
	value_per_conversion FLOAT NOT NULL, 
	days INTEGER NOT NULL, 
	current_daily_spend FLOAT NOT NULL, 
	current_daily_return FLOAT NOT NULL, 
	CONSTRAINT pk_mart_channel_response PRIMARY KEY (channel)
);
GO

CREATE TABLE mart_cohort_retention (
	cohort_month DATETIME NOT NULL, 
	months_since_first INTEGER NOT NULL, 
	cohort_size INTEGER NOT NULL, 
	active_customers INTEGER NOT NULL, 
	retention FLOAT NOT NULL, 
	CONSTRAINT pk_mart_cohort_retention PRIMARY KEY (cohort_month, months_since_first)
);
GO

CREATE TABLE mart_customer_kpi (
	customer_key INTEGER NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	city NVARCHAR(100) NULL, 
	region NVARCHAR(100) NULL, 
	segment VARCHAR(40) NULL, 
	rep NVARCHAR(100) NULL, 
	is_customer BIT NOT NULL, 
	first_purchase DATETIME NULL, 
	last_purchase DATETIME NULL, 
	orders INTEGER NOT NULL, 
	revenue_total NUMERIC(14, 2) NOT NULL, 
	revenue_365d NUMERIC(14, 2) NOT NULL, 
	avg_order_value NUMERIC(14, 2) NOT NULL, 
	recency_days INTEGER NULL, 
	interactions_90d INTEGER NOT NULL, 
	is_active BIT NOT NULL, 
	completeness FLOAT NOT NULL, 
	CONSTRAINT pk_mart_customer_kpi PRIMARY KEY (customer_key)
);
GO

CREATE INDEX ix_mart_customer_kpi_name ON mart_customer_kpi (name);
GO

CREATE INDEX ix_mart_customer_kpi_rep ON mart_customer_kpi (rep);
GO

CREATE INDEX ix_mart_customer_kpi_revenue_total ON mart_customer_kpi (revenue_total);
GO

CREATE INDEX ix_mck_is_active_asc ON mart_customer_kpi (is_active, customer_key);
GO

CREATE INDEX ix_mck_is_active_desc ON mart_customer_kpi (is_active DESC, customer_key);
GO

CREATE INDEX ix_mck_name_asc ON mart_customer_kpi (name, customer_key);
GO

CREATE INDEX ix_mck_name_desc ON mart_customer_kpi (name DESC, customer_key);
GO

CREATE INDEX ix_mck_orders_asc ON mart_customer_kpi (orders, customer_key);
GO

CREATE INDEX ix_mck_orders_desc ON mart_customer_kpi (orders DESC, customer_key);
GO

CREATE INDEX ix_mck_revenue_365d_asc ON mart_customer_kpi (revenue_365d, customer_key);
GO

CREATE INDEX ix_mck_revenue_365d_desc ON mart_customer_kpi (revenue_365d DESC, customer_key);
GO

CREATE INDEX ix_mck_revenue_total_asc ON mart_customer_kpi (revenue_total, customer_key);
GO

CREATE INDEX ix_mck_revenue_total_desc ON mart_customer_kpi (revenue_total DESC, customer_key);
GO

CREATE TABLE mart_customer_rfm (
	customer_key INTEGER NOT NULL, 
	recency_days INTEGER NOT NULL, 
	frequency INTEGER NOT NULL, 
	monetary NUMERIC(14, 2) NOT NULL, 
	r_score INTEGER NOT NULL, 
	f_score INTEGER NOT NULL, 
	m_score INTEGER NOT NULL, 
	rfm VARCHAR(3) NOT NULL, 
	segment VARCHAR(30) NOT NULL, 
	as_of DATETIME NOT NULL, 
	CONSTRAINT pk_mart_customer_rfm PRIMARY KEY (customer_key)
);
GO

CREATE INDEX ix_mart_customer_rfm_segment ON mart_customer_rfm (segment);
GO

CREATE TABLE mart_customer_score (
	customer_key INTEGER NOT NULL, 
	churn_probability FLOAT NULL, 
	clv_12m NUMERIC(14, 2) NULL, 
	expected_orders_12m FLOAT NULL, 
	lead_score FLOAT NULL, 
	upsell_propensity FLOAT NULL, 
	upsell_category NVARCHAR(100) NULL, 
	upsell_product NVARCHAR(200) NULL, 
	next_best_action VARCHAR(40) NULL, 
	action_value NUMERIC(14, 2) NULL, 
	scored_at DATETIME2 NOT NULL, 
	model_versions VARCHAR(200) NOT NULL, 
	CONSTRAINT pk_mart_customer_score PRIMARY KEY (customer_key)
);
GO

CREATE INDEX ix_mart_customer_score_churn_probability ON mart_customer_score (churn_probability);
GO

CREATE INDEX ix_mart_customer_score_upsell_propensity ON mart_customer_score (upsell_propensity);
GO

CREATE TABLE mart_growth (
	comparison VARCHAR(3) NOT NULL, 
	metric VARCHAR(20) NOT NULL, 
	current_start DATETIME NOT NULL, 
	current_end DATETIME NOT NULL, 
	previous_start DATETIME NOT NULL, 
	previous_end DATETIME NOT NULL, 
	current_value FLOAT NOT NULL, 
	previous_value FLOAT NOT NULL, 
	change FLOAT NOT NULL, 
	change_pct FLOAT NULL, 
	CONSTRAINT pk_mart_growth PRIMARY KEY (comparison, metric)
);
GO

CREATE TABLE mart_kpi_anomaly (
	day DATETIME NOT NULL, 
	kpi VARCHAR(20) NOT NULL, 
	actual FLOAT NOT NULL, 
	expected FLOAT NULL, 
	robust_z FLOAT NULL, 
	is_anomaly BIT NOT NULL, 
	CONSTRAINT pk_mart_kpi_anomaly PRIMARY KEY (day, kpi)
);
GO

CREATE INDEX ix_mart_kpi_anomaly_is_anomaly_day ON mart_kpi_anomaly (is_anomaly, day);
GO

CREATE TABLE mart_kpi_daily (
	day DATETIME NOT NULL, 
	revenue NUMERIC(14, 2) NOT NULL, 
	orders INTEGER NOT NULL, 
	active_customers INTEGER NOT NULL, 
	new_customers INTEGER NOT NULL, 
	CONSTRAINT pk_mart_kpi_daily PRIMARY KEY (day)
);
GO

CREATE TABLE mart_kpi_drivers (
	period_start DATETIME NOT NULL, 
	baseline VARCHAR(20) NOT NULL, 
	kpi VARCHAR(20) NOT NULL, 
	dimension VARCHAR(20) NOT NULL, 
	member NVARCHAR(200) NOT NULL, 
	period_end DATETIME NOT NULL, 
	kpi_before FLOAT NOT NULL, 
	kpi_after FLOAT NOT NULL, 
	before_value FLOAT NOT NULL, 
	after_value FLOAT NOT NULL, 
	volume_before FLOAT NOT NULL, 
	volume_after FLOAT NOT NULL, 
	mix_effect FLOAT NOT NULL, 
	rate_effect FLOAT NOT NULL, 
	contribution FLOAT NOT NULL, 
	share_of_change FLOAT NULL, 
	change_pct FLOAT NULL, 
	rank INTEGER NOT NULL, 
	summary NVARCHAR(500) NOT NULL, 
	CONSTRAINT pk_mart_kpi_drivers PRIMARY KEY (period_start, baseline, kpi, dimension, member)
);
GO

CREATE INDEX ix_mart_kpi_drivers_period_start_baseline_rank ON mart_kpi_drivers (period_start, baseline, rank);
GO

CREATE TABLE mart_lead_funnel (
	rep NVARCHAR(100) NOT NULL, 
	stage VARCHAR(30) NOT NULL, 
	stage_order INTEGER NOT NULL, 
	leads INTEGER NOT NULL, 
	value NUMERIC(14, 2) NOT NULL, 
	CONSTRAINT pk_mart_lead_funnel PRIMARY KEY (rep, stage)
);
GO

CREATE TABLE mart_price_guidance (
	segment VARCHAR(40) NOT NULL, 
	category NVARCHAR(100) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	reason NVARCHAR(300) NOT NULL, 
	observations INTEGER NOT NULL, 
	price_variation FLOAT NOT NULL, 
	elasticity FLOAT NULL, 
	std_error FLOAT NULL, 
	p_value FLOAT NULL, 
	recommended_change_pct FLOAT NULL, 
	guidance NVARCHAR(300) NOT NULL, 
	CONSTRAINT pk_mart_price_guidance PRIMARY KEY (segment, category)
);
GO

CREATE INDEX ix_mart_price_guidance_status ON mart_price_guidance (status);
GO

CREATE TABLE mart_product_affinity (
	level VARCHAR(10) NOT NULL, 
	item_a NVARCHAR(200) NOT NULL, 
	item_b NVARCHAR(200) NOT NULL, 
	orders INTEGER NOT NULL, 
	support FLOAT NOT NULL, 
	confidence_a_b FLOAT NOT NULL, 
	confidence_b_a FLOAT NOT NULL, 
	lift FLOAT NOT NULL, 
	CONSTRAINT pk_mart_product_affinity PRIMARY KEY (level, item_a, item_b)
);
GO

CREATE INDEX ix_mart_product_affinity_item_b ON mart_product_affinity (item_b);
GO

CREATE TABLE mart_purchase_distribution (
	measure VARCHAR(20) NOT NULL, 
	bin_order INTEGER NOT NULL, 
	bin VARCHAR(20) NOT NULL, 
	customers INTEGER NOT NULL, 
	share FLOAT NOT NULL, 
	CONSTRAINT pk_mart_purchase_distribution PRIMARY KEY (measure, bin_order)
);
GO

CREATE TABLE mart_rfm_summary (
	segment VARCHAR(30) NOT NULL, 
	customers INTEGER NOT NULL, 
	recency_days FLOAT NULL, 
	frequency FLOAT NULL, 
	monetary NUMERIC(14, 2) NULL, 
	CONSTRAINT pk_mart_rfm_summary PRIMARY KEY (segment)
);
GO

CREATE TABLE mart_sales (
	grain VARCHAR(5) NOT NULL, 
	period_start DATETIME NOT NULL, 
	rep NVARCHAR(100) NOT NULL, 
	region NVARCHAR(100) NOT NULL, 
	category NVARCHAR(100) NOT NULL, 
	segment VARCHAR(40) NOT NULL, 
	revenue NUMERIC(14, 2) NOT NULL, 
	orders INTEGER NOT NULL, 
	units FLOAT NOT NULL, 
	customers INTEGER NOT NULL, 
	CONSTRAINT pk_mart_sales PRIMARY KEY (grain, period_start, rep, region, category, segment)
);
GO

CREATE TABLE mart_sales_by_day (
	dimension VARCHAR(10) NOT NULL, 
	day DATETIME NOT NULL, 
	label NVARCHAR(100) NOT NULL, 
	revenue NUMERIC(14, 2) NOT NULL, 
	orders INTEGER NOT NULL, 
	CONSTRAINT pk_mart_sales_by_day PRIMARY KEY (dimension, day, label)
);
GO

CREATE TABLE mart_sales_detail (
	month_start DATETIME NOT NULL, 
	customer_key INTEGER NOT NULL, 
	category NVARCHAR(100) NOT NULL, 
	product NVARCHAR(200) NOT NULL, 
	customer NVARCHAR(200) NOT NULL, 
	rep NVARCHAR(100) NOT NULL, 
	region NVARCHAR(100) NOT NULL, 
	revenue NUMERIC(14, 2) NOT NULL, 
	orders INTEGER NOT NULL, 
	CONSTRAINT pk_mart_sales_detail PRIMARY KEY (month_start, customer_key, category, product)
);
GO

CREATE INDEX ix_mart_sales_detail_category_month_start ON mart_sales_detail (category, month_start);
GO

CREATE INDEX ix_mart_sales_detail_region_rep_month_start ON mart_sales_detail (region, rep, month_start);
GO

CREATE TABLE mart_sales_forecast (
	day DATETIME NOT NULL, 
	forecast NUMERIC(14, 2) NOT NULL, 
	lower_80 NUMERIC(14, 2) NOT NULL, 
	upper_80 NUMERIC(14, 2) NOT NULL, 
	model VARCHAR(80) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_mart_sales_forecast PRIMARY KEY (day)
);
GO

CREATE TABLE model_registry (
	model VARCHAR(40) NOT NULL, 
	version INTEGER NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	algorithm VARCHAR(80) NOT NULL, 
	trained_at DATETIME2 NOT NULL, 
	train_start DATETIME NULL, 
	train_end DATETIME NULL, 
	rows INTEGER NOT NULL, 
	features NVARCHAR(max) NOT NULL, 
	metrics NVARCHAR(max) NOT NULL, 
	holdout NVARCHAR(200) NOT NULL, 
	decision NVARCHAR(500) NULL, 
	batch_id INTEGER NULL, 
	file_sha256 VARCHAR(64) NULL, 
	selection NVARCHAR(max) NULL, 
	CONSTRAINT pk_model_registry PRIMARY KEY (model, version)
);
GO

CREATE TABLE ops_audit_log (
	id INTEGER NOT NULL IDENTITY, 
	at DATETIME2 NOT NULL, 
	actor VARCHAR(80) NOT NULL, 
	action VARCHAR(80) NOT NULL, 
	object VARCHAR(200) NULL, 
	detail NVARCHAR(max) NULL, 
	address VARCHAR(100) NULL, 
	prev_hash VARCHAR(64) NULL, 
	row_hash VARCHAR(64) NULL, 
	CONSTRAINT pk_ops_audit_log PRIMARY KEY (id)
);
GO

CREATE INDEX ix_ops_audit_log_at ON ops_audit_log (at);
GO

CREATE UNIQUE INDEX ix_ops_audit_log_prev_hash ON ops_audit_log (prev_hash) WHERE prev_hash IS NOT NULL;
GO

CREATE TABLE ops_batch_run (
	batch_id INTEGER NOT NULL IDENTITY, 
	started_at DATETIME2 NOT NULL, 
	finished_at DATETIME2 NULL, 
	status VARCHAR(20) NOT NULL, 
	[trigger] VARCHAR(40) NOT NULL, 
	input_fingerprint VARCHAR(64) NOT NULL, 
	message NVARCHAR(max) NULL, 
	watermarks NVARCHAR(max) NULL, 
	CONSTRAINT pk_ops_batch_run PRIMARY KEY (batch_id)
);
GO

CREATE TABLE ops_core_change (
	batch_id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	[key] INTEGER NOT NULL, 
	CONSTRAINT pk_ops_core_change PRIMARY KEY (batch_id, kind, [key])
);
GO

CREATE TABLE ops_deletion_hold (
	hold_id INTEGER NOT NULL IDENTITY, 
	batch_id INTEGER NOT NULL, 
	source VARCHAR(40) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	records INTEGER NOT NULL, 
	live_records INTEGER NOT NULL, 
	reason NVARCHAR(500) NOT NULL, 
	evidence NVARCHAR(max) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	created_at DATETIME2 NOT NULL, 
	decided_at DATETIME2 NULL, 
	decided_by VARCHAR(80) NULL, 
	CONSTRAINT pk_ops_deletion_hold PRIMARY KEY (hold_id)
);
GO

CREATE INDEX ix_ops_deletion_hold_status ON ops_deletion_hold (status);
GO

CREATE TABLE ops_land_part (
	source VARCHAR(40) NOT NULL, 
	part VARCHAR(40) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	records INTEGER NOT NULL, 
	state VARCHAR(200) NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_ops_land_part PRIMARY KEY (source, part)
);
GO

CREATE TABLE ops_profile (
	batch_id INTEGER NOT NULL, 
	source VARCHAR(40) NOT NULL, 
	table_name VARCHAR(60) NOT NULL, 
	column_name VARCHAR(60) NOT NULL, 
	row_count INTEGER NOT NULL, 
	nulls INTEGER NOT NULL, 
	distinct_values INTEGER NOT NULL, 
	min_value NVARCHAR(200) NULL, 
	max_value NVARCHAR(200) NULL, 
	top_patterns NVARCHAR(1000) NOT NULL, 
	CONSTRAINT pk_ops_profile PRIMARY KEY (batch_id, source, table_name, column_name)
);
GO

CREATE TABLE ops_run_lock (
	name VARCHAR(40) NOT NULL, 
	owner VARCHAR(64) NOT NULL, 
	host VARCHAR(200) NOT NULL, 
	pid INTEGER NOT NULL, 
	acquired_at DATETIME2 NOT NULL, 
	heartbeat_at DATETIME2 NOT NULL, 
	CONSTRAINT pk_ops_run_lock PRIMARY KEY (name)
);
GO

CREATE TABLE ops_watermark (
	name VARCHAR(80) NOT NULL, 
	value NVARCHAR(max) NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_ops_watermark PRIMARY KEY (name)
);
GO

CREATE TABLE privacy_consent (
	consent_id INTEGER NOT NULL IDENTITY, 
	customer_key INTEGER NOT NULL, 
	purpose VARCHAR(40) NOT NULL, 
	lawful_basis VARCHAR(30) NOT NULL, 
	granted BIT NOT NULL, 
	source VARCHAR(80) NOT NULL, 
	recorded_at DATETIME2 NOT NULL, 
	recorded_by VARCHAR(80) NOT NULL, 
	CONSTRAINT pk_privacy_consent PRIMARY KEY (consent_id)
);
GO

CREATE INDEX ix_privacy_consent_customer_key_purpose ON privacy_consent (customer_key, purpose);
GO

CREATE INDEX ix_privacy_consent_purpose ON privacy_consent (purpose);
GO

CREATE TABLE privacy_request (
	request_id INTEGER NOT NULL IDENTITY, 
	kind VARCHAR(20) NOT NULL, 
	customer_key INTEGER NOT NULL, 
	requested_at DATETIME2 NOT NULL, 
	completed_at DATETIME2 NULL, 
	requested_by VARCHAR(80) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	summary NVARCHAR(max) NULL, 
	CONSTRAINT pk_privacy_request PRIMARY KEY (request_id)
);
GO

CREATE INDEX ix_privacy_request_customer_key ON privacy_request (customer_key);
GO

CREATE INDEX ix_privacy_request_kind_status ON privacy_request (kind, status);
GO

CREATE TABLE privacy_suppression (
	source VARCHAR(40) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	customer_key INTEGER NOT NULL, 
	pseudonym VARCHAR(40) NOT NULL, 
	request_id INTEGER NOT NULL, 
	erased_at DATETIME2 NOT NULL, 
	CONSTRAINT pk_privacy_suppression PRIMARY KEY (source, entity, source_key)
);
GO

CREATE INDEX ix_privacy_suppression_customer_key ON privacy_suppression (customer_key);
GO

CREATE TABLE proj_customer_activity (
	customer_key INTEGER NOT NULL, 
	orders INTEGER NOT NULL, 
	revenue NUMERIC(14, 2) NOT NULL, 
	payments INTEGER NOT NULL, 
	paid NUMERIC(14, 2) NOT NULL, 
	visits INTEGER NOT NULL, 
	clicks INTEGER NOT NULL, 
	mentions INTEGER NOT NULL, 
	support_contacts INTEGER NOT NULL, 
	leads INTEGER NOT NULL, 
	last_event_at DATETIME2 NOT NULL, 
	last_event_type VARCHAR(40) NOT NULL, 
	last_seq BIGINT NOT NULL, 
	CONSTRAINT pk_proj_customer_activity PRIMARY KEY (customer_key)
);
GO

CREATE TABLE proj_customer_timeline (
	customer_key INTEGER NOT NULL, 
	seq BIGINT NOT NULL, 
	occurred_at DATETIME2 NOT NULL, 
	type VARCHAR(40) NOT NULL, 
	channel VARCHAR(40) NULL, 
	summary NVARCHAR(300) NOT NULL, 
	CONSTRAINT pk_proj_customer_timeline PRIMARY KEY (customer_key, seq)
);
GO

CREATE INDEX ix_proj_customer_timeline_customer_key_occurred_at ON proj_customer_timeline (customer_key, occurred_at);
GO

CREATE TABLE relationship_value (
	customer_key INTEGER NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	digest VARCHAR(64) NOT NULL, 
	value NVARCHAR(max) NULL, 
	CONSTRAINT pk_relationship_value PRIMARY KEY (customer_key, kind, digest)
);
GO

CREATE INDEX ix_relationship_value_digest ON relationship_value (digest);
GO

CREATE TABLE sec_event (
	id INTEGER NOT NULL IDENTITY, 
	at DATETIME2 NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	username VARCHAR(80) NULL, 
	address VARCHAR(45) NULL, 
	detail NVARCHAR(max) NULL, 
	CONSTRAINT pk_sec_event PRIMARY KEY (id)
);
GO

CREATE INDEX ix_sec_event_address_at ON sec_event (address, at);
GO

CREATE INDEX ix_sec_event_at ON sec_event (at);
GO

CREATE INDEX ix_sec_event_kind_at ON sec_event (kind, at);
GO

CREATE INDEX ix_sec_event_username_at ON sec_event (username, at);
GO

CREATE TABLE stg_campaign (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	channel VARCHAR(40) NOT NULL, 
	start_date DATETIME NULL, 
	end_date DATETIME NULL, 
	budget NUMERIC(14, 2) NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_campaign PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE stg_campaign_daily (
	source VARCHAR(40) NOT NULL, 
	campaign_source_key VARCHAR(200) NOT NULL, 
	day DATETIME NOT NULL, 
	spend NUMERIC(14, 2) NOT NULL, 
	impressions INTEGER NOT NULL, 
	clicks INTEGER NOT NULL, 
	conversions INTEGER NOT NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_campaign_daily PRIMARY KEY (source, campaign_source_key, day)
);
GO

CREATE TABLE stg_customer (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	display_name NVARCHAR(200) NULL, 
	company_name NVARCHAR(200) NULL, 
	given_name NVARCHAR(100) NULL, 
	family_name NVARCHAR(100) NULL, 
	email NVARCHAR(max) NULL, 
	phone NVARCHAR(max) NULL, 
	street NVARCHAR(max) NULL, 
	city NVARCHAR(100) NULL, 
	region NVARCHAR(100) NULL, 
	postcode VARCHAR(20) NULL, 
	country VARCHAR(2) NULL, 
	website VARCHAR(200) NULL, 
	instagram_handle NVARCHAR(max) NULL, 
	segment VARCHAR(40) NULL, 
	sales_rep NVARCHAR(100) NULL, 
	lead_status VARCHAR(30) NULL, 
	lead_value NUMERIC(14, 2) NULL, 
	followers INTEGER NULL, 
	rating FLOAT NULL, 
	created_at DATETIME2 NULL, 
	updated_at DATETIME2 NULL, 
	is_active BIT NULL, 
	mobile NVARCHAR(max) NULL, 
	parent_source_key VARCHAR(200) NULL, 
	terms VARCHAR(40) NULL, 
	balance NUMERIC(14, 2) NULL, 
	ship_address NVARCHAR(max) NULL, 
	referral_notes NVARCHAR(max) NULL, 
	email_hash VARCHAR(64) NULL, 
	phone_hash VARCHAR(64) NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_customer PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE stg_deletion (
	source VARCHAR(40) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	deleted_at DATETIME2 NOT NULL, 
	evidence NVARCHAR(500) NOT NULL, 
	staged_rows NVARCHAR(max) NOT NULL, 
	revived_batch INTEGER NULL, 
	CONSTRAINT pk_stg_deletion PRIMARY KEY (source, entity, source_key, land_id)
);
GO

CREATE INDEX ix_stg_deletion_batch_id ON stg_deletion (batch_id);
GO

CREATE TABLE stg_field_flag (
	source VARCHAR(40) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	record_key VARCHAR(200) NOT NULL, 
	field VARCHAR(60) NOT NULL, 
	[rule] VARCHAR(60) NOT NULL, 
	raw_value NVARCHAR(max) NOT NULL, 
	message NVARCHAR(500) NOT NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_field_flag PRIMARY KEY (source, entity, record_key, field)
);
GO

CREATE INDEX ix_stg_field_flag_batch_id ON stg_field_flag (batch_id);
GO

CREATE TABLE stg_interaction (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	occurred_at DATETIME2 NOT NULL, 
	customer_source VARCHAR(40) NOT NULL, 
	customer_source_key VARCHAR(200) NOT NULL, 
	channel VARCHAR(40) NULL, 
	text NVARCHAR(max) NULL, 
	likes INTEGER NULL, 
	comments INTEGER NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_interaction PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE stg_payment (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	txn_date DATETIME NOT NULL, 
	customer_source_key VARCHAR(200) NOT NULL, 
	amount NUMERIC(14, 2) NOT NULL, 
	method VARCHAR(40) NULL, 
	method_ref VARCHAR(200) NULL, 
	currency VARCHAR(3) NULL, 
	exchange_rate NUMERIC(18, 8) NULL, 
	doc_amount NUMERIC(14, 2) NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_payment PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE stg_payment_method (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	kind VARCHAR(20) NULL, 
	is_active BIT NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_payment_method PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE stg_product (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	sku VARCHAR(60) NULL, 
	category NVARCHAR(100) NULL, 
	unit_price NUMERIC(14, 2) NULL, 
	unit_cost NUMERIC(14, 2) NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_product PRIMARY KEY (source, source_key)
);
GO

CREATE TABLE stg_reject (
	source VARCHAR(40) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	record_key VARCHAR(200) NOT NULL, 
	[rule] VARCHAR(60) NOT NULL, 
	field VARCHAR(60) NULL, 
	message NVARCHAR(500) NOT NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_reject PRIMARY KEY (source, entity, record_key, [rule])
);
GO

CREATE INDEX ix_stg_reject_batch_id ON stg_reject (batch_id);
GO

CREATE TABLE stg_sales_line (
	source VARCHAR(40) NOT NULL, 
	doc_type VARCHAR(20) NOT NULL, 
	doc_key VARCHAR(200) NOT NULL, 
	line_no INTEGER NOT NULL, 
	doc_number VARCHAR(40) NULL, 
	txn_date DATETIME NOT NULL, 
	customer_source_key VARCHAR(200) NOT NULL, 
	product_source_key VARCHAR(200) NULL, 
	sales_rep NVARCHAR(100) NULL, 
	channel VARCHAR(40) NULL, 
	quantity FLOAT NOT NULL, 
	unit_price NUMERIC(14, 2) NOT NULL, 
	amount NUMERIC(14, 2) NOT NULL, 
	currency VARCHAR(3) NULL, 
	exchange_rate NUMERIC(18, 8) NULL, 
	doc_amount NUMERIC(14, 2) NULL, 
	terms VARCHAR(40) NULL, 
	land_id BIGINT NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_stg_sales_line PRIMARY KEY (source, doc_type, doc_key, line_no)
);
GO

CREATE TABLE app_api_key (
	key_id VARCHAR(16) NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	role VARCHAR(40) NOT NULL, 
	rep_key INTEGER NULL, 
	created_by VARCHAR(80) NOT NULL, 
	created_at DATETIME2 NOT NULL, 
	revoked_at DATETIME2 NULL, 
	CONSTRAINT pk_app_api_key PRIMARY KEY (key_id), 
	CONSTRAINT fk_app_api_key_role_app_role FOREIGN KEY(role) REFERENCES app_role (name)
);
GO

CREATE TABLE app_user (
	user_id INTEGER NOT NULL IDENTITY, 
	username VARCHAR(80) NOT NULL, 
	password_hash VARCHAR(300) NOT NULL, 
	role VARCHAR(40) NOT NULL, 
	full_name NVARCHAR(200) NOT NULL, 
	email VARCHAR(200) NULL, 
	rep_key INTEGER NULL, 
	active BIT NOT NULL, 
	CONSTRAINT pk_app_user PRIMARY KEY (user_id), 
	CONSTRAINT uq_app_user_username UNIQUE (username), 
	CONSTRAINT fk_app_user_role_app_role FOREIGN KEY(role) REFERENCES app_role (name)
);
GO

CREATE TABLE dim_campaign (
	campaign_key INTEGER NOT NULL, 
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	channel_key INTEGER NOT NULL, 
	start_date DATETIME NULL, 
	end_date DATETIME NULL, 
	budget NUMERIC(14, 2) NULL, 
	CONSTRAINT pk_dim_campaign PRIMARY KEY (campaign_key), 
	CONSTRAINT uq_dim_campaign_source_source_key UNIQUE (source, source_key), 
	CONSTRAINT fk_dim_campaign_channel_key_dim_channel FOREIGN KEY(channel_key) REFERENCES dim_channel (channel_key)
);
GO

CREATE TABLE dim_customer (
	customer_key INTEGER NOT NULL, 
	name NVARCHAR(200) NOT NULL, 
	company_name NVARCHAR(200) NULL, 
	contact_name NVARCHAR(200) NULL, 
	email NVARCHAR(max) NULL, 
	phone NVARCHAR(max) NULL, 
	street NVARCHAR(max) NULL, 
	city NVARCHAR(100) NULL, 
	region NVARCHAR(100) NULL, 
	postcode VARCHAR(20) NULL, 
	country VARCHAR(2) NULL, 
	website VARCHAR(200) NULL, 
	instagram_handle NVARCHAR(max) NULL, 
	segment VARCHAR(40) NULL, 
	email_hash VARCHAR(64) NULL, 
	phone_hash VARCHAR(64) NULL, 
	geography_key INTEGER NULL, 
	rep_key INTEGER NULL, 
	is_customer BIT NOT NULL, 
	source_count INTEGER NOT NULL, 
	completeness FLOAT NOT NULL, 
	first_seen DATETIME2 NULL, 
	CONSTRAINT pk_dim_customer PRIMARY KEY (customer_key), 
	CONSTRAINT fk_dim_customer_geography_key_dim_geography FOREIGN KEY(geography_key) REFERENCES dim_geography (geography_key), 
	CONSTRAINT fk_dim_customer_rep_key_dim_sales_rep FOREIGN KEY(rep_key) REFERENCES dim_sales_rep (rep_key)
);
GO

CREATE INDEX ix_dim_customer_email_hash ON dim_customer (email_hash);
GO

CREATE INDEX ix_dim_customer_name ON dim_customer (name);
GO

CREATE INDEX ix_dim_customer_phone_hash ON dim_customer (phone_hash);
GO

CREATE INDEX ix_dim_customer_rep_key ON dim_customer (rep_key);
GO

CREATE TABLE dq_issue_event (
	event_id INTEGER NOT NULL IDENTITY, 
	issue_id INTEGER NOT NULL, 
	at DATETIME2 NOT NULL, 
	actor VARCHAR(80) NOT NULL, 
	action VARCHAR(20) NOT NULL, 
	comment NVARCHAR(1000) NULL, 
	CONSTRAINT pk_dq_issue_event PRIMARY KEY (event_id), 
	CONSTRAINT fk_dq_issue_event_issue_id_dq_issue FOREIGN KEY(issue_id) REFERENCES dq_issue (issue_id)
);
GO

CREATE INDEX ix_dq_issue_event_issue_id ON dq_issue_event (issue_id);
GO

CREATE TABLE land_record (
	land_id BIGINT NOT NULL IDENTITY, 
	source VARCHAR(40) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	payload NVARCHAR(max) NOT NULL, 
	received_at DATETIME2 NOT NULL, 
	batch_id INTEGER NOT NULL, 
	CONSTRAINT pk_land_record PRIMARY KEY (land_id), 
	CONSTRAINT fk_land_record_batch_id_ops_batch_run FOREIGN KEY(batch_id) REFERENCES ops_batch_run (batch_id)
);
GO

CREATE INDEX ix_land_record_batch_id ON land_record (batch_id);
GO

CREATE INDEX ix_land_record_source_entity_source_key ON land_record (source, entity, source_key);
GO

CREATE INDEX ix_land_record_source_land_id ON land_record (source, land_id);
GO

CREATE TABLE ops_api_delivery (
	delivery_id VARCHAR(32) NOT NULL, 
	subscription_id INTEGER NOT NULL, 
	event_type VARCHAR(60) NOT NULL, 
	payload NVARCHAR(max) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME2 NOT NULL, 
	last_status INTEGER NULL, 
	last_error NVARCHAR(500) NULL, 
	created_at DATETIME2 NOT NULL, 
	delivered_at DATETIME2 NULL, 
	CONSTRAINT pk_ops_api_delivery PRIMARY KEY (delivery_id), 
	CONSTRAINT fk_ops_api_delivery_subscription_id_app_api_webhook FOREIGN KEY(subscription_id) REFERENCES app_api_webhook (subscription_id)
);
GO

CREATE INDEX ix_ops_api_delivery_status_next_attempt_at ON ops_api_delivery (status, next_attempt_at);
GO

CREATE INDEX ix_ops_api_delivery_subscription_id ON ops_api_delivery (subscription_id);
GO

CREATE TABLE ops_deletion_hold_record (
	hold_id INTEGER NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	payload NVARCHAR(max) NOT NULL, 
	CONSTRAINT pk_ops_deletion_hold_record PRIMARY KEY (hold_id, source_key), 
	CONSTRAINT fk_ops_deletion_hold_record_hold_id_ops_deletion_hold FOREIGN KEY(hold_id) REFERENCES ops_deletion_hold (hold_id)
);
GO

CREATE TABLE ops_lineage_edge (
	batch_id INTEGER NOT NULL, 
	step VARCHAR(40) NOT NULL, 
	source_node VARCHAR(120) NOT NULL, 
	target_node VARCHAR(120) NOT NULL, 
	rows INTEGER NOT NULL, 
	CONSTRAINT pk_ops_lineage_edge PRIMARY KEY (batch_id, step, source_node, target_node), 
	CONSTRAINT fk_ops_lineage_edge_batch_id_ops_batch_run FOREIGN KEY(batch_id) REFERENCES ops_batch_run (batch_id)
);
GO

CREATE TABLE ops_step_run (
	batch_id INTEGER NOT NULL, 
	step VARCHAR(40) NOT NULL, 
	started_at DATETIME2 NOT NULL, 
	finished_at DATETIME2 NULL, 
	status VARCHAR(20) NOT NULL, 
	rows_in INTEGER NOT NULL, 
	rows_out INTEGER NOT NULL, 
	rows_rejected INTEGER NOT NULL, 
	message NVARCHAR(max) NULL, 
	peak_rss_mb INTEGER NULL, 
	CONSTRAINT pk_ops_step_run PRIMARY KEY (batch_id, step), 
	CONSTRAINT fk_ops_step_run_batch_id_ops_batch_run FOREIGN KEY(batch_id) REFERENCES ops_batch_run (batch_id)
);
GO

CREATE TABLE app_api_token_family (
	family_id VARCHAR(32) NOT NULL, 
	user_id INTEGER NOT NULL, 
	created_at DATETIME2 NOT NULL, 
	revoked_at DATETIME2 NULL, 
	revoked_reason VARCHAR(40) NULL, 
	CONSTRAINT pk_app_api_token_family PRIMARY KEY (family_id), 
	CONSTRAINT fk_app_api_token_family_user_id_app_user FOREIGN KEY(user_id) REFERENCES app_user (user_id)
);
GO

CREATE INDEX ix_app_api_token_family_user_id ON app_api_token_family (user_id);
GO

CREATE TABLE app_recovery_code (
	id INTEGER NOT NULL IDENTITY, 
	user_id INTEGER NOT NULL, 
	code_hash VARCHAR(300) NOT NULL, 
	used_at DATETIME2 NULL, 
	CONSTRAINT pk_app_recovery_code PRIMARY KEY (id), 
	CONSTRAINT fk_app_recovery_code_user_id_app_user FOREIGN KEY(user_id) REFERENCES app_user (user_id)
);
GO

CREATE INDEX ix_app_recovery_code_user_id ON app_recovery_code (user_id);
GO

CREATE TABLE app_session (
	session_id VARCHAR(64) NOT NULL, 
	user_id INTEGER NOT NULL, 
	created_at DATETIME2 NOT NULL, 
	last_seen_at DATETIME2 NOT NULL, 
	ip VARCHAR(45) NULL, 
	user_agent NVARCHAR(300) NULL, 
	revoked_at DATETIME2 NULL, 
	revoked_reason VARCHAR(40) NULL, 
	CONSTRAINT pk_app_session PRIMARY KEY (session_id), 
	CONSTRAINT fk_app_session_user_id_app_user FOREIGN KEY(user_id) REFERENCES app_user (user_id)
);
GO

CREATE INDEX ix_app_session_user_id ON app_session (user_id);
GO

CREATE TABLE app_user_mfa (
	user_id INTEGER NOT NULL, 
	secret VARCHAR(300) NOT NULL, 
	created_at DATETIME2 NOT NULL, 
	enabled_at DATETIME2 NULL, 
	last_step BIGINT NULL, 
	CONSTRAINT pk_app_user_mfa PRIMARY KEY (user_id), 
	CONSTRAINT fk_app_user_mfa_user_id_app_user FOREIGN KEY(user_id) REFERENCES app_user (user_id)
);
GO

CREATE TABLE fact_campaign_daily (
	campaign_key INTEGER NOT NULL, 
	date_key INTEGER NOT NULL, 
	spend NUMERIC(14, 2) NOT NULL, 
	impressions INTEGER NOT NULL, 
	clicks INTEGER NOT NULL, 
	conversions INTEGER NOT NULL, 
	CONSTRAINT pk_fact_campaign_daily PRIMARY KEY (campaign_key, date_key), 
	CONSTRAINT fk_fact_campaign_daily_campaign_key_dim_campaign FOREIGN KEY(campaign_key) REFERENCES dim_campaign (campaign_key), 
	CONSTRAINT fk_fact_campaign_daily_date_key_dim_date FOREIGN KEY(date_key) REFERENCES dim_date (date_key)
);
GO

CREATE TABLE fact_interaction (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	date_key INTEGER NOT NULL, 
	occurred_at DATETIME2 NOT NULL, 
	customer_key INTEGER NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	channel_key INTEGER NULL, 
	text NVARCHAR(max) NULL, 
	likes INTEGER NULL, 
	comments INTEGER NULL, 
	CONSTRAINT pk_fact_interaction PRIMARY KEY (source, source_key), 
	CONSTRAINT fk_fact_interaction_date_key_dim_date FOREIGN KEY(date_key) REFERENCES dim_date (date_key), 
	CONSTRAINT fk_fact_interaction_customer_key_dim_customer FOREIGN KEY(customer_key) REFERENCES dim_customer (customer_key), 
	CONSTRAINT fk_fact_interaction_channel_key_dim_channel FOREIGN KEY(channel_key) REFERENCES dim_channel (channel_key)
);
GO

CREATE INDEX ix_fact_interaction_customer_key_occurred_at ON fact_interaction (customer_key, occurred_at);
GO

CREATE TABLE fact_payment (
	source VARCHAR(40) NOT NULL, 
	source_key VARCHAR(200) NOT NULL, 
	date_key INTEGER NOT NULL, 
	customer_key INTEGER NOT NULL, 
	amount NUMERIC(14, 2) NOT NULL, 
	method VARCHAR(40) NULL, 
	doc_currency VARCHAR(3) NULL, 
	exchange_rate NUMERIC(18, 8) NULL, 
	doc_amount NUMERIC(14, 2) NULL, 
	CONSTRAINT pk_fact_payment PRIMARY KEY (source, source_key), 
	CONSTRAINT fk_fact_payment_date_key_dim_date FOREIGN KEY(date_key) REFERENCES dim_date (date_key), 
	CONSTRAINT fk_fact_payment_customer_key_dim_customer FOREIGN KEY(customer_key) REFERENCES dim_customer (customer_key)
);
GO

CREATE INDEX ix_fact_payment_customer_key ON fact_payment (customer_key);
GO

CREATE TABLE fact_sales_line (
	source VARCHAR(40) NOT NULL, 
	doc_type VARCHAR(20) NOT NULL, 
	doc_key VARCHAR(200) NOT NULL, 
	line_no INTEGER NOT NULL, 
	date_key INTEGER NOT NULL, 
	customer_key INTEGER NOT NULL, 
	product_key INTEGER NULL, 
	rep_key INTEGER NULL, 
	channel_key INTEGER NULL, 
	quantity FLOAT NOT NULL, 
	unit_price NUMERIC(14, 2) NOT NULL, 
	amount NUMERIC(14, 2) NOT NULL, 
	doc_currency VARCHAR(3) NULL, 
	exchange_rate NUMERIC(18, 8) NULL, 
	doc_amount NUMERIC(14, 2) NULL, 
	CONSTRAINT pk_fact_sales_line PRIMARY KEY (source, doc_type, doc_key, line_no), 
	CONSTRAINT fk_fact_sales_line_date_key_dim_date FOREIGN KEY(date_key) REFERENCES dim_date (date_key), 
	CONSTRAINT fk_fact_sales_line_customer_key_dim_customer FOREIGN KEY(customer_key) REFERENCES dim_customer (customer_key), 
	CONSTRAINT fk_fact_sales_line_product_key_dim_product FOREIGN KEY(product_key) REFERENCES dim_product (product_key), 
	CONSTRAINT fk_fact_sales_line_rep_key_dim_sales_rep FOREIGN KEY(rep_key) REFERENCES dim_sales_rep (rep_key), 
	CONSTRAINT fk_fact_sales_line_channel_key_dim_channel FOREIGN KEY(channel_key) REFERENCES dim_channel (channel_key)
);
GO

CREATE INDEX ix_fact_sales_line_customer_key ON fact_sales_line (customer_key);
GO

CREATE INDEX ix_fact_sales_line_date_key ON fact_sales_line (date_key);
GO

CREATE TABLE app_api_refresh_token (
	token_hash VARCHAR(64) NOT NULL, 
	family_id VARCHAR(32) NOT NULL, 
	issued_at DATETIME2 NOT NULL, 
	expires_at DATETIME2 NOT NULL, 
	used_at DATETIME2 NULL, 
	CONSTRAINT pk_app_api_refresh_token PRIMARY KEY (token_hash), 
	CONSTRAINT fk_app_api_refresh_token_family_id_app_api_token_family FOREIGN KEY(family_id) REFERENCES app_api_token_family (family_id)
);
GO

CREATE INDEX ix_app_api_refresh_token_family_id ON app_api_refresh_token (family_id);
GO
