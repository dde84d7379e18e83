"""Request and response schemas of the API (marshmallow): they validate input and write the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.v1.queries import SORT_CHOICES
from api.v1.webhooks import EVENT_TYPES
from warehouse.queries import MAX_PAGE_SIZE
from warehouse.users import ROLES


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ErrorBodySchema(ma.Schema):
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    details = fields.Raw(allow_none=True, metadata={"description": "What failed, e.g. fields by location"})
    request_id = fields.String(required=True)


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# --- auth -----------------------------------------------------------------------------------------------


class TokenRequestSchema(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)
    otp = fields.String(validate=validate.Length(max=20), metadata={"description": "second-factor code"})


class RefreshRequestSchema(Strict):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(ma.Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class MeSchema(ma.Schema):
    subject = fields.String(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True)
    rep_key = fields.Integer(allow_none=True)
    sees_personal_data = fields.Boolean(required=True)


class ApiKeyCreateSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    rep_key = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))


class ApiKeySchema(ma.Schema):
    key_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    rep_key = fields.Integer(allow_none=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)
    revoked_at = fields.String(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(required=True, metadata={"description": "shown this once; keep it secret"})


# --- customers ------------------------------------------------------------------------------------------


class CustomerQuerySchema(Strict):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "text in name or city"})
    name = fields.String(validate=validate.Length(max=100), metadata={"description": "name starts with"})
    email = fields.String(validate=validate.Length(max=200))
    rep = fields.String(validate=validate.Length(max=100))
    rep_key = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))
    region = fields.String(validate=validate.Length(max=100))
    city = fields.String(validate=validate.Length(max=100))
    segment = fields.String(validate=validate.Length(max=40))
    is_active = fields.Boolean()
    min_revenue = fields.Float(validate=validate.Range(min=-1e12, max=1e12))
    max_revenue = fields.Float(validate=validate.Range(min=-1e12, max=1e12))
    sort = fields.String(load_default="-revenue_total", validate=validate.OneOf(SORT_CHOICES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    cursor = fields.String(
        validate=validate.Length(max=500), metadata={"description": "next_cursor of the page before"}
    )


class CustomerSchema(ma.Schema):
    customer_key = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    segment = fields.String(allow_none=True)
    rep = fields.String(allow_none=True)
    orders = fields.Integer(required=True)
    revenue_total = fields.Float(required=True)
    revenue_365d = fields.Float(required=True)
    last_purchase = fields.String(allow_none=True)
    recency_days = fields.Integer(allow_none=True)
    is_active = fields.Boolean(required=True)


class CustomerPageSchema(ma.Schema):
    items = fields.List(fields.Nested(CustomerSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    limit = fields.Integer(required=True)


class ProfileSchema(ma.Schema):
    customer = fields.Dict(required=True)
    provenance = fields.Dict(required=True)
    records = fields.List(fields.Dict(), required=True)
    events = fields.List(fields.Dict(), required=True)
    scores = fields.Dict(allow_none=True)


class LimitSchema(Strict):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class TransactionSchema(ma.Schema):
    source = fields.String(required=True)
    doc_type = fields.String(required=True)
    doc_key = fields.String(required=True)
    date = fields.String(allow_none=True)
    lines = fields.Integer(required=True)
    amount = fields.Float(required=True)
    currency = fields.String(allow_none=True)


class TimelineItemSchema(ma.Schema):
    occurred_at = fields.String(required=True)
    kind = fields.String(required=True)
    channel = fields.String(allow_none=True)
    source = fields.String(required=True)
    text = fields.String(allow_none=True)


# --- leads, interactions, actions, campaigns, KPIs, forecasts ------------------------------------------


class LeadQuerySchema(Strict):
    status = fields.String(validate=validate.Length(max=30))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class LeadSchema(ma.Schema):
    source = fields.String(required=True)
    source_key = fields.String(required=True)
    customer_key = fields.Integer(allow_none=True)
    company = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    lead_score = fields.Float(allow_none=True)


_TEXT = validate.Length(max=200)


def _customer_key() -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={
            "description": "the golden customer the record is for (the caller must be able to read it); "
            "its name and e-mail fill the record's when left out, so the next batch links it to that customer"
        },
    )


class LeadWriteSchema(Strict):
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact = fields.String(validate=_TEXT)
    email = fields.String(validate=_TEXT)
    phone = fields.String(validate=validate.Length(max=40))
    town = fields.String(validate=validate.Length(max=100))
    region = fields.String(validate=validate.Length(max=100))
    owner = fields.String(validate=validate.Length(max=100))
    status = fields.String(validate=validate.Length(max=30))
    value = fields.Float(validate=validate.Range(min=0, max=1e12))
    last_contact = fields.Date()
    customer_key = _customer_key()


class LeadUpdateSchema(LeadWriteSchema):
    company = fields.String(validate=validate.Length(min=1, max=200))


class InteractionWriteSchema(Strict):
    type = fields.String(required=True, validate=validate.Length(min=1, max=30))
    date = fields.DateTime(required=True)
    account = fields.String(validate=_TEXT)
    contact = fields.String(validate=_TEXT)
    email = fields.String(validate=_TEXT)
    rep = fields.String(validate=validate.Length(max=100))
    notes = fields.String(validate=validate.Length(max=5000))
    customer_key = _customer_key()


class LandedSchema(ma.Schema):
    source = fields.String(required=True)
    entity = fields.String(required=True)
    source_key = fields.String(required=True)
    land_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    changed = fields.Boolean(required=True)


class NextActionQuerySchema(Strict):
    customer_key = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class NextActionSchema(ma.Schema):
    customer_key = fields.Integer(required=True)
    name = fields.String(required=True)
    action = fields.String(required=True)
    action_value = fields.Float(allow_none=True)
    churn_probability = fields.Float(allow_none=True)
    upsell_category = fields.String(allow_none=True)
    upsell_product = fields.String(allow_none=True)
    lead_score = fields.Float(allow_none=True)
    scored_at = fields.String(required=True)


class CampaignQuerySchema(Strict):
    channel = fields.String(validate=validate.Length(max=40))


class CampaignSchema(ma.Schema):
    campaign_key = fields.Integer(required=True)
    name = fields.String(required=True)
    channel = fields.String(required=True)
    start_date = fields.String(allow_none=True)
    end_date = fields.String(allow_none=True)
    spend = fields.Float(required=True)
    impressions = fields.Integer(required=True)
    clicks = fields.Integer(required=True)
    conversions = fields.Integer(required=True)
    ctr = fields.Float(allow_none=True)
    conversion_rate = fields.Float(allow_none=True)
    cac = fields.Float(allow_none=True)
    customers = fields.Integer(required=True)
    revenue = fields.Float(required=True)
    roi = fields.Float(allow_none=True)


class ComparisonSchema(ma.Schema):
    current = fields.Float(required=True)
    previous = fields.Float(required=True)
    growth = fields.Float(allow_none=True)


class KpiCurrentSchema(ma.Schema):
    today = fields.String(allow_none=True)
    revenue_day = fields.Nested(ComparisonSchema, allow_none=True)
    revenue_week = fields.Nested(ComparisonSchema, allow_none=True)
    revenue_month = fields.Nested(ComparisonSchema, allow_none=True)
    new_customers_month = fields.Nested(ComparisonSchema, allow_none=True)
    active_customers = fields.Integer(allow_none=True)
    active_customers_previous = fields.Integer(allow_none=True)


class KpiSeriesQuerySchema(Strict):
    start = fields.Date()
    end = fields.Date()
    days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=3660))


class KpiDaySchema(ma.Schema):
    day = fields.String(required=True)
    revenue = fields.Float(required=True)
    orders = fields.Integer(required=True)
    active_customers = fields.Integer(required=True)
    new_customers = fields.Integer(required=True)


class ForecastQuerySchema(Strict):
    start = fields.Date()


class ForecastDaySchema(ma.Schema):
    day = fields.String(required=True)
    forecast = fields.Float(required=True)
    lower_80 = fields.Float(required=True)
    upper_80 = fields.Float(required=True)
    model = fields.String(required=True)
    version = fields.Integer(required=True)


class ForecastModelSchema(ma.Schema):
    model = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    algorithm = fields.String(required=True)
    trained_at = fields.String(required=True)
    metrics = fields.Dict(required=True)


class ForecastSchema(ma.Schema):
    days = fields.List(fields.Nested(ForecastDaySchema), required=True)
    models = fields.List(fields.Nested(ForecastModelSchema), required=True)


class OriginFigureSchema(ma.Schema):
    cutoff = fields.String(required=True)
    value = fields.Float(required=True)
    rows = fields.Integer(required=True)


class CandidateFiguresSchema(ma.Schema):
    algorithm = fields.String(required=True)
    baseline = fields.Boolean(required=True)
    chosen = fields.Boolean(required=True)
    mean = fields.Float(required=True)
    origins = fields.List(fields.Nested(OriginFigureSchema), required=True)


class ModelChoiceSchema(ma.Schema):
    model = fields.String(required=True)
    version = fields.Integer(required=True)
    algorithm = fields.String(required=True)
    trained_at = fields.String(required=True, allow_none=True)
    metric = fields.String(required=True)
    method = fields.String(required=True)
    note = fields.String(required=True)
    rule = fields.String(required=True)
    chosen = fields.String(required=True)
    candidates = fields.List(fields.Nested(CandidateFiguresSchema), required=True)


# --- identity --------------------------------------------------------------------------------------------


class MatchRequestSchema(Strict):
    name = fields.String(validate=validate.Length(max=200))
    email = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=40))
    postcode = fields.String(validate=validate.Length(max=20))
    city = fields.String(validate=validate.Length(max=100))


class CandidateSchema(ma.Schema):
    customer_key = fields.Integer(required=True)
    name = fields.String(required=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.String(), required=True)


class MatchSchema(ma.Schema):
    status = fields.String(required=True, metadata={"description": "matched, candidates or none"})
    customer_key = fields.Integer(allow_none=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)


# --- webhooks --------------------------------------------------------------------------------------------


class WebhookCreateSchema(Strict):
    url = fields.URL(
        required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500)
    )
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=20),
    )


class WebhookUpdateSchema(Strict):
    url = fields.URL(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)), validate=validate.Length(min=1, max=20)
    )
    active = fields.Boolean()


class WebhookSchema(ma.Schema):
    subscription_id = fields.Integer(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    owner = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.String(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(required=True, metadata={"description": "signing secret, shown this once"})


class DeliveryQuerySchema(Strict):
    subscription_id = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "dead"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class DeliverySchema(ma.Schema):
    delivery_id = fields.String(required=True)
    subscription_id = fields.Integer(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.String(required=True)
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    delivered_at = fields.String(allow_none=True)


class StreamQuerySchema(Strict):
    seconds = fields.Float(load_default=300.0, validate=validate.Range(min=0.1, max=3600))
