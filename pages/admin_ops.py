"""Operations (``/admin/ops``): recent pipeline batches and their steps' durations, this server's and the
warehouse's resource use, and the monthly cost estimate from the unit prices in settings. Administrators only."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.dash_table.DataTable import DataTable

from components import format as fmt
from components.access import current_portal_user, may_open
from components.context import current_portal
from components.controls import section
from ops import usage
from warehouse.engine import WarehouseError

logger = logging.getLogger(__name__)

PATH = "/admin/ops"
TITLE = "Operations · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Operations", nav=False)  # type: ignore[no-untyped-call]

BATCHES = "admin-ops-batches"
STEPS = "admin-ops-steps"
RESOURCES = "admin-ops-resources"
COST = "admin-ops-cost"
COST_TOTAL = "admin-ops-cost-total"
NOT_ALLOWED = "The operations page is open to administrators."
UNREADABLE = "The warehouse could not be read; try again shortly."
MIB = 1024**2


def _when(value: Any) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value is not None else "—"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not finished"
    return f"{seconds:,.1f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def _table(table_id: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> DataTable:
    return DataTable(
        id=table_id,
        columns=[{"id": k, "name": v} for k, v in columns.items()],
        data=rows,  # type: ignore[arg-type]  # Dash types cells narrower than JSON
        style_table={"overflowX": "auto"},
        style_cell={"textAlign": "left", "padding": "4px 8px"},
    )


def batches_table(batches: list[dict[str, Any]]) -> DataTable:
    rows = [
        {
            "batch": b["batch_id"],
            "trigger": b["trigger"],
            "status": b["status"],
            "started": _when(b["started_at"]),
            "took": _duration(b["seconds"]),
        }
        for b in batches
    ]
    columns = {"batch": "Batch", "trigger": "Started by", "status": "Status", "started": "Started (UTC)"}
    return _table(BATCHES, columns | {"took": "Took"}, rows)


def steps_table(steps: list[dict[str, Any]]) -> DataTable:
    rows = [
        {
            "step": s["step"],
            "status": s["status"],
            "took": _duration(s["seconds"]),
            "rows_in": fmt.count(s["rows_in"]),
            "rows_out": fmt.count(s["rows_out"]),
            "rejected": fmt.count(s["rows_rejected"]),
        }
        for s in steps
    ]
    columns = {
        "step": "Step",
        "status": "Status",
        "took": "Took",
        "rows_in": "Rows in",
        "rows_out": "Rows out",
    }
    return _table(STEPS, columns | {"rejected": "Rejected"}, rows)


def resources_list(measured: usage.Usage) -> html.Dl:
    items = [
        ("Memory of this server process", f"{measured.rss_bytes / MIB:,.0f} MiB"),
        (
            "CPU of this server process",
            f"{measured.cpu_seconds:,.1f} s ({fmt.percent(measured.cpu_share)} of a CPU)",
        ),
        ("Host load (1 min)", f"{measured.load_1m:.2f} on {measured.cpus} CPUs"),
        ("Warehouse size", f"{measured.warehouse_bytes / MIB:,.1f} MiB"),
        ("Backups kept", f"{measured.backup_bytes / MIB:,.1f} MiB"),
        ("Free disk", f"{measured.disk_free_bytes / 1024**3:,.1f} GiB"),
    ]
    body: list[Any] = []
    for label, value in items:
        body += [html.Dt(label, className="col-sm-5"), html.Dd(value, className="col-sm-7")]
    return html.Dl(body, id=RESOURCES, className="row mb-0")


def cost_table(lines: list[usage.CostLine]) -> list[Any]:
    rows = [{"item": c.item, "basis": c.basis, "monthly": fmt.money(c.monthly)} for c in lines]
    total = sum(c.monthly for c in lines)
    return [
        _table(COST, {"item": "Item", "basis": "How", "monthly": "Per month"}, rows),
        html.P(
            [
                html.Strong(f"Estimated total: {fmt.money(total)} a month. "),
                fmt.currency_note().split(",")[0] + ".",
            ],
            id=COST_TOTAL,
            className="mt-2 mb-0",
        ),
    ]


def layout(**_kwargs: Any) -> dbc.Container:
    title = html.H1("Operations", className="page-title")
    me = current_portal_user()
    if me is None or not may_open(me.role, PATH) or me.role != "admin":
        return dbc.Container([title, dbc.Alert(NOT_ALLOWED, color="secondary")], fluid=True)
    portal = current_portal()
    try:
        batches = usage.recent_batches(portal.warehouse)
        steps = usage.batch_steps(portal.warehouse, int(batches[0]["batch_id"])) if batches else []
        measured = usage.measure(portal.settings, portal.warehouse)
    except WarehouseError:
        logger.exception("operations page: the warehouse could not be read")
        return dbc.Container([title, dbc.Alert(UNREADABLE, color="warning")], fluid=True)
    last = f"Steps of batch {batches[0]['batch_id']}" if batches else "Steps of the last batch"
    return dbc.Container(
        [
            title,
            html.P(
                "Metrics for Prometheus are at /metrics; alert rules and a dashboard are in deploy/monitoring.",
                className="text-muted",
            ),
            section(
                "Pipeline batches", batches_table(batches) if batches else html.P("No batch has run yet.")
            ),
            section(last, steps_table(steps) if steps else html.P("No steps recorded.")),
            dbc.Row(
                [
                    dbc.Col(section("Resources", resources_list(measured)), md=6),
                    dbc.Col(
                        section(
                            "Monthly cost estimate", cost_table(usage.monthly_cost(portal.settings, measured))
                        ),
                        md=6,
                    ),
                ]
            ),
        ],
        fluid=True,
    )
