"""``/api/v1``: leads with scores (read, create, update), interactions (create), next best actions,
campaigns and their ROI, KPIs (current and daily series) and sales forecasts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from flask_smorest import Blueprint, abort

from api.v1 import schemas
from api.v1.access import require_roles
from api.v1.context import api_context, current_principal
from api.v1.landing import (
    ACTIVITY_HEADERS,
    LEAD_HEADERS,
    InvalidRecord,
    land,
    latest_payload,
    new_key,
    payload,
    validate,
)
from api.v1.queries import (
    campaigns_query,
    forecast_models_query,
    forecast_query,
    kpi_series_query,
    leads_query,
    next_actions_query,
    plain,
    plain_row,
)
from api.v1.webhooks import publish
from pipeline.quality.locale import home_locale
from pipeline.records import RawRecord
from warehouse.policy import mask_rows
from warehouse.queries import kpi_summary, latest_day

blp = Blueprint(
    "sales",
    __name__,
    url_prefix="/api/v1",
    description="Leads, interactions, actions, campaigns, KPIs, forecasts",
)

WRITER_ROLES = ("admin", "manager", "sales_rep", "marketing")
CAMPAIGN_ROLES = ("admin", "manager", "analyst", "marketing")


def _invalid(e: InvalidRecord) -> None:
    abort(
        422,
        message=f"{e.field}: {e.message}",
        errors={"json": {e.field or "record": [f"{e.rule}: {e.message}"]}},
    )


@blp.route("/leads", endpoint="leads", methods=["GET"])
@blp.arguments(schemas.LeadQuerySchema, location="query")
@blp.response(200, schemas.LeadSchema(many=True))
def leads(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Leads from every source with their golden customer and lead score, best first."""
    viewer = current_principal().viewer
    rows = api_context().warehouse.rows(
        leads_query(viewer, args.get("status"), args["limit"], args["offset"])
    )
    return [plain_row(r) for r in mask_rows(viewer, rows)]


def _land(entity: str, key: str, body: dict[str, Any], headers: dict[str, str], event: str) -> dict[str, Any]:
    context = api_context()
    record = RawRecord("api", entity, key, payload(body, headers))
    try:
        validate(record, home_locale(context.settings), headers)
    except InvalidRecord as e:
        _invalid(e)
    landed = land(context.warehouse, record, context.clock())
    if landed.changed:
        publish(
            context.warehouse,
            event,
            {"source": "api", "source_key": key, "entity": entity, "land_id": landed.land_id},
            context.clock(),
        )
    return dataclasses.asdict(landed)


@blp.route("/leads", endpoint="create_lead", methods=["POST"])
@blp.arguments(schemas.LeadWriteSchema)
@blp.response(201, schemas.LandedSchema)
def create_lead(body: dict[str, Any]) -> dict[str, Any]:
    """Add a lead: validated like a lead sheet's row, landed with lineage; the next pipeline run matches it."""
    require_roles(*WRITER_ROLES)
    return _land("Lead", new_key("lead"), body, LEAD_HEADERS, "lead.created")


@blp.route("/leads/<string:source_key>", endpoint="update_lead", methods=["PATCH"])
@blp.arguments(schemas.LeadUpdateSchema)
@blp.response(200, schemas.LandedSchema)
def update_lead(body: dict[str, Any], source_key: str) -> dict[str, Any]:
    """Change a lead written through the API: the changed fields land as its new version."""
    require_roles(*WRITER_ROLES)
    before = latest_payload(api_context().warehouse, "Lead", source_key)
    if before is None:
        abort(404, message="no lead with this key was written through the API")
    assert before is not None  # abort raised otherwise  # nosec B101
    inverse = {header: name for name, header in LEAD_HEADERS.items()}
    merged = {inverse[h]: v for h, v in before.items() if h in inverse} | {
        k: plain(v) for k, v in body.items()
    }
    return _land("Lead", source_key, merged, LEAD_HEADERS, "lead.updated")


@blp.route("/interactions", endpoint="create_interaction", methods=["POST"])
@blp.arguments(schemas.InteractionWriteSchema)
@blp.response(201, schemas.LandedSchema)
def create_interaction(body: dict[str, Any]) -> dict[str, Any]:
    """Log a call, e-mail, visit or complaint against an account (by name or e-mail)."""
    require_roles(*WRITER_ROLES)
    return _land("Activity", new_key("act"), body, ACTIVITY_HEADERS, "interaction.created")


@blp.route("/next-best-actions", endpoint="next_actions", methods=["GET"])
@blp.arguments(schemas.NextActionQuerySchema, location="query")
@blp.response(200, schemas.NextActionSchema(many=True))
def next_actions(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The suggested actions for the caller's customers, most valuable first."""
    viewer = current_principal().viewer
    rows = api_context().warehouse.rows(next_actions_query(viewer, args.get("customer_key"), args["limit"]))
    return [plain_row(r) for r in rows]


@blp.route("/campaigns", endpoint="campaigns", methods=["GET"])
@blp.arguments(schemas.CampaignQuerySchema, location="query")
@blp.response(200, schemas.CampaignSchema(many=True))
def campaigns(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Campaigns with spend, response, attributed customers, revenue and ROI."""
    require_roles(*CAMPAIGN_ROLES)
    return [plain_row(r) for r in api_context().warehouse.rows(campaigns_query(args.get("channel")))]


def _today() -> dt.date | None:
    context = api_context()
    return context.settings.portal_today or latest_day(context.warehouse)


@blp.route("/kpis", endpoint="kpis", methods=["GET"])
@blp.response(200, schemas.KpiCurrentSchema)
def kpis() -> dict[str, Any]:
    """Today's headline KPIs against the same part of the period before (docs/kpis in the portal)."""
    today = _today()
    if today is None:
        return {"today": None}
    summary = kpi_summary(api_context().warehouse, today)
    out: dict[str, Any] = {"today": today.isoformat()}
    for field in dataclasses.fields(summary):
        value = getattr(summary, field.name)
        if hasattr(value, "growth"):
            out[field.name] = {"current": value.current, "previous": value.previous, "growth": value.growth}
        elif field.name != "today":
            out[field.name] = value
    return out


@blp.route("/kpis/series", endpoint="kpi_series", methods=["GET"])
@blp.arguments(schemas.KpiSeriesQuerySchema, location="query")
@blp.response(200, schemas.KpiDaySchema(many=True))
def kpi_series(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Daily revenue, orders, active and new customers from ``start`` to ``end`` (default: the last 90 days)."""
    end = args.get("end") or _today() or dt.date.today()
    start = args.get("start") or end - dt.timedelta(days=args["days"] - 1)
    if start > end:
        abort(400, message="start is after end", errors={"query": {"start": ["must not be after end"]}})
    return [plain_row(r) for r in api_context().warehouse.rows(kpi_series_query(start, end))]


@blp.route("/forecasts", endpoint="forecasts", methods=["GET"])
@blp.arguments(schemas.ForecastQuerySchema, location="query")
@blp.response(200, schemas.ForecastSchema)
def forecasts(args: dict[str, Any]) -> dict[str, Any]:
    """The daily sales forecast with its 80% interval, and the forecast models in the registry."""
    warehouse = api_context().warehouse
    models = []
    for r in warehouse.rows(forecast_models_query()):
        try:
            metrics = json.loads(r["metrics"])
        except ValueError:
            metrics = {}
        models.append(plain_row(r) | {"metrics": metrics if isinstance(metrics, dict) else {}})
    return {
        "days": [plain_row(r) for r in warehouse.rows(forecast_query(args.get("start")))],
        "models": models,
    }
