"""Audit log (``/admin/audit``): who signed in, viewed personal data, exported, decided or changed what,
filtered by actor, action and dates, with the hash chain's state and a CSV export. Administrators only."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import format as fmt
from components.context import current_portal
from components.controls import csv_button, paged_table, section
from components.export import current_viewer, export_download
from warehouse import audit
from warehouse.engine import WarehouseError
from warehouse.policy import Viewer
from warehouse.queries import page_count

logger = logging.getLogger(__name__)

PATH = "/admin/audit"
dash.register_page(__name__, path=PATH, title="Audit log · Miracle Customer 360", name="Audit log", order=9)  # type: ignore[no-untyped-call]

PAGE_SIZE = 50
DENIED = "admin-audit-denied"
ACTOR = "admin-audit-actor"
ACTION = "admin-audit-action"
DATES = "admin-audit-dates"
TABLE = "admin-audit-table"
COUNT = "admin-audit-count"
CHAIN = "admin-audit-chain"
CSV = "admin-audit-csv"
DOWNLOAD = "admin-audit-download"
FILTERS = (ACTOR, ACTION)
UNREADABLE = "The warehouse could not be read; try again shortly."
HEADERS = {"at": "When (UTC)", "actor": "Who", "action": "Action", "object": "On", "detail": "Detail"}
HEADERS |= {"address": "From", "id": "#"}


def _admin() -> Viewer:
    """The signed-in administrator; stops any callback posted by anyone else."""
    viewer = current_viewer()
    if not viewer.reads_audit:
        raise PreventUpdate
    return viewer


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _filter(actor: str | None, action: str | None, start: str | None, end: str | None) -> audit.AuditFilter:
    return audit.AuditFilter(actor or "", action or "", _day(start), _day(end))


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready audit rows: times as ISO text to the second."""
    return [
        r
        | {
            "at": r["at"].isoformat(sep=" ", timespec="seconds")
            if isinstance(r["at"], dt.datetime)
            else r["at"]
        }
        for r in rows
    ]


def layout(**_kwargs: Any) -> dbc.Container:
    try:
        _admin()
    except PreventUpdate:
        return dbc.Container(
            dbc.Alert("The audit log is open to administrators.", id=DENIED, color="warning"), fluid=True
        )
    columns = [{"id": c, "name": HEADERS[c]} for c in audit.AUDIT_COLUMNS]
    table = paged_table(
        TABLE,
        columns,  # type: ignore[arg-type]
        PAGE_SIZE,
        style_cell_conditional=[{"if": {"column_id": "detail"}, "whiteSpace": "normal", "minWidth": "260px"}],
    )
    inputs = dbc.Row(
        [
            dbc.Col(
                dbc.Input(id=ACTOR, placeholder="Who (user name)", debounce=400, type="search"), xs=12, md=3
            ),
            dbc.Col(
                dbc.Input(id=ACTION, placeholder="Action (login, export ...)", debounce=400, type="search"),
                xs=12,
                md=3,
            ),
            dbc.Col(dcc.DatePickerRange(id=DATES, display_format="D MMM YYYY", clearable=True), xs=12, md=6),
        ],
        className="g-2 mb-2",
    )
    return dbc.Container(
        [
            html.H1("Audit log", className="page-title"),
            html.P(id=CHAIN, className="small"),
            section(
                "Entries",
                [inputs, html.P(id=COUNT, className="text-muted small mb-2"), table],
                actions=csv_button(CSV, DOWNLOAD, "Audit CSV"),
            ),
        ],
        fluid=True,
    )


@callback(
    Output(TABLE, "data"),
    Output(TABLE, "page_count"),
    Output(TABLE, "page_current"),
    Output(COUNT, "children"),
    Output(CHAIN, "children"),
    Input(ACTOR, "value"),
    Input(ACTION, "value"),
    Input(DATES, "start_date"),
    Input(DATES, "end_date"),
    Input(TABLE, "page_current"),
)
def refresh(
    actor: str | None, action: str | None, start: str | None, end: str | None, page: int | None
) -> tuple[list[dict[str, Any]], int, int, str, str]:
    """The visible page of entries, newest first, and whether the hash chain is intact."""
    _admin()
    warehouse, wanted = current_portal().warehouse, _filter(actor, action, start, end)
    page = page if ctx.triggered_id == TABLE and page else 0
    try:
        total = audit.audit_count(warehouse, wanted)
        rows = audit.audit_rows(warehouse, wanted, PAGE_SIZE, page * PAGE_SIZE)
        verdict = audit.verify(warehouse)
    except WarehouseError:
        logger.exception("audit page: the log could not be read")
        return [], 1, 0, UNREADABLE, ""
    noun = "entry" if total == 1 else "entries"
    chain = (
        f"Hash chain intact over {fmt.count(verdict.rows)} entries."
        if verdict.ok
        else f"Hash chain broken: {verdict.message().removeprefix('BAD: ')}"
    )
    return (
        table_rows(rows),
        page_count(total, PAGE_SIZE),
        page,
        f"{fmt.count(total)} {noun}, newest first",
        chain,
    )


@callback(
    Output(DOWNLOAD, "data"),
    Input(CSV, "n_clicks"),
    State(ACTOR, "value"),
    State(ACTION, "value"),
    State(DATES, "start_date"),
    State(DATES, "end_date"),
    prevent_initial_call=True,
)
def download(
    _clicks: int, actor: str | None, action: str | None, start: str | None, end: str | None
) -> dict[str, Any]:
    """Every entry matching the filters (not just the visible page), as CSV."""
    viewer = _admin()
    warehouse, wanted = current_portal().warehouse, _filter(actor, action, start, end)
    rows = table_rows(audit.audit_rows(warehouse, wanted))
    filters = {"actor": wanted.actor, "action": wanted.action, "start": wanted.start, "end": wanted.end}
    return export_download(warehouse, viewer, "audit", rows, audit.AUDIT_COLUMNS, "audit-log.csv", filters)
