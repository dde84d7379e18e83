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
    SOURCE,
    InvalidRecord,
    Landed,
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
from api.v1.write_scope import INTERACTION, LEAD, rep_name, scoped_write
from pipeline.quality.locale import home_locale
from pipeline.records import RawRecord
from warehouse.model_queries import model_choices
from warehouse.policy import mask_rows, write_owner
from warehouse.queries import kpi_summary, latest_day

blp = Blueprint(
    "sales",
    __name__,
    url_prefix="/api/v1",
    description="Leads, interactions, actions, campaigns, KPIs, forecasts",
)

WRITER_ROLES = ("admin", "manager", "sales_rep", "marketing")
CAMPAIGN_ROLES = ("admin", "manager", "analyst", "marketing")
NO_LEAD = "no lead with this key was written through the API"


def _invalid(e: InvalidRecord, quarantined: Landed | None = None) -> None:
    details: dict[str, Any] = {"json": {e.field or "record": [f"{e.rule}: {e.message}"]}}
    if quarantined is not None and quarantined.land_id is not None:
        details["quarantined"] = {"source_key": quarantined.source_key, "land_id": quarantined.land_id}
    abort(422, message=f"{e.field}: {e.message}", errors=details)


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


def _land(
    entity: str,
    key: str,
    body: dict[str, Any],
    headers: dict[str, str],
    event: str,
    quarantine: bool = False,
) -> dict[str, Any]:
    """Validate and land one record; a new record breaking a source rule is landed all the same when
    ``quarantine`` (the next batch keeps it in ``stg_reject`` with its reason) and answered 422."""
    context = api_context()
    record = RawRecord(SOURCE, entity, key, payload(body, headers))
    try:
        validate(record, home_locale(context.settings), headers)
    except InvalidRecord as e:
        _invalid(e, land(context.warehouse, record, context.clock()) if quarantine else None)
    landed = land(context.warehouse, record, context.clock())
    if landed.changed:
        publish(
            context.warehouse,
            event,
            {"source": SOURCE, "source_key": key, "entity": entity, "land_id": landed.land_id},
            context.clock(),
        )
    return dataclasses.asdict(landed)


@blp.route("/leads", endpoint="create_lead", methods=["POST"])
@blp.arguments(schemas.LeadWriteSchema)
@blp.response(201, schemas.LandedSchema)
def create_lead(body: dict[str, Any]) -> dict[str, Any]:
    """Add a lead: validated like a lead sheet's row, landed with lineage; the next pipeline run stages and
    matches it. A sales rep adds leads as the owner; a ``customer_key`` must be one of theirs (another's: 404, as a
    missing one), and a lead resembling another rep's customer is answered like any new lead (docs/api.md)."""
    viewer = require_roles(*WRITER_ROLES).viewer
    body = scoped_write(api_context().warehouse, viewer, body, LEAD)
    return _land("Lead", new_key("lead"), body, LEAD_HEADERS, "lead.created", quarantine=True)


@blp.route("/leads/<string:source_key>", endpoint="update_lead", methods=["PATCH"])
@blp.arguments(schemas.LeadUpdateSchema)
@blp.response(200, schemas.LandedSchema)
def update_lead(body: dict[str, Any], source_key: str) -> dict[str, Any]:
    """Change a lead written through the API: the changed fields land as its new version (a change that
    breaks a source rule is refused and the lead stays as it was)."""
    viewer = require_roles(*WRITER_ROLES).viewer
    warehouse = api_context().warehouse
    before = latest_payload(warehouse, "Lead", source_key)
    if before is None:
        abort(404, message=NO_LEAD)
    assert before is not None  # abort raised otherwise  # nosec B101
    inverse = {header: name for name, header in LEAD_HEADERS.items()}
    current = {inverse[h]: v for h, v in before.items() if h in inverse}
    allowed, _ = write_owner(viewer, rep_name(warehouse, viewer.rep_key), current.get("owner"))
    if not allowed:  # another rep's lead: as if it did not exist
        abort(404, message=NO_LEAD)
    merged = current | {k: plain(v) for k, v in body.items()}
    merged = scoped_write(warehouse, viewer, merged, LEAD, NO_LEAD)
    return _land("Lead", source_key, merged, LEAD_HEADERS, "lead.updated")


@blp.route("/interactions", endpoint="create_interaction", methods=["POST"])
@blp.arguments(schemas.InteractionWriteSchema)
@blp.response(201, schemas.LandedSchema)
def create_interaction(body: dict[str, Any]) -> dict[str, Any]:
    """Log a call, e-mail, visit or complaint against an account (by ``customer_key``, name or e-mail); a
    sales rep names by ``customer_key`` only their own customers (another's: 404, as a missing one)."""
    viewer = require_roles(*WRITER_ROLES).viewer
    body = scoped_write(api_context().warehouse, viewer, body, INTERACTION)
    return _land("Activity", new_key("act"), body, ACTIVITY_HEADERS, "interaction.created", quarantine=True)


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


@blp.route("/models", endpoint="models", methods=["GET"])
@blp.response(200, schemas.ModelChoiceSchema(many=True))
def models() -> list[dict[str, Any]]:
    """Every model in use and how it was chosen: each candidate's figure at every rolling origin, and the mean."""
    out = []
    for choice in model_choices(api_context().warehouse):
        row = dataclasses.asdict(choice)
        row["trained_at"] = choice.trained_at.isoformat() if choice.trained_at else None
        out.append(row)
    return out
