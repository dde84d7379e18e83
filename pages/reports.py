"""Reports (``/reports``): the weekly and monthly PDF reports written for the user's role, and reports made now.

Files come from the scheduler's reports job (:mod:`pipeline.reports`); links download through
:mod:`components.report_routes`, which checks the role again.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.access import current_role
from components.context import current_portal
from components.controls import section
from pipeline.reports import ROLE_REPORTS, listed_reports

logger = logging.getLogger(__name__)

PATH = "/reports"
TITLE = "Reports · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Reports", order=8)  # type: ignore[no-untyped-call]

NAMES = {"overview": "Overview", "actions": "Actions", "campaigns": "Campaigns"}
CADENCE_LABELS = {"weekly": "Weekly", "monthly": "Monthly"}


def layout(**_kwargs: Any) -> dbc.Container:
    role = current_role()
    names = ROLE_REPORTS.get(role or "", ())
    if not names:
        return dbc.Container(
            [
                html.H1("Reports", className="page-title"),
                dbc.Alert(
                    "Reports are written for managers, analysts, marketing and administrators.",
                    id="reports-denied",
                    color="info",
                ),
            ],
            fluid=True,
        )
    now = html.Div(
        [
            html.A(
                f"{NAMES[n]} PDF",
                href=f"/reports/now/{n}.pdf",
                id=f"reports-now-{n}",
                className="btn btn-outline-primary btn-sm me-2 mb-2",
            )
            for n in names
        ]
    )
    files = listed_reports(current_portal().settings.var_dir, role)
    head = html.Thead(html.Tr([html.Th("Period"), html.Th("Schedule"), html.Th("Report"), html.Th("")]))
    rows = [
        html.Tr(
            [
                html.Td(f.period),
                html.Td(CADENCE_LABELS[f.cadence] + ("" if role != "admin" else f" · {f.role}")),
                html.Td(NAMES[f.name]),
                html.Td(html.A("Download PDF", href=f.url, className="report-link")),
            ]
        )
        for f in files
    ]
    table = (
        html.Div(
            dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="analytics-table mb-0"),
            className="table-responsive",
            id="reports-table",
        )
        if rows
        else html.P(
            "No scheduled reports yet: the scheduler writes them each day after the batch.",
            className="text-muted mb-0",
            id="reports-table",
        )
    )
    return dbc.Container(
        [
            html.H1("Reports", className="page-title"),
            section(
                "Make a report now",
                [html.P("The current figures as a formatted PDF.", className="small text-muted"), now],
            ),
            section("Scheduled reports", table),
        ],
        fluid=True,
    )
