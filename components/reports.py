"""Manager reports: what goes in the PDF of Overview, Actions and Campaigns, and handing one out (audited).

The figures come from the same queries and formatting the pages use, so a report reads as the screen.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import Any

from components import actions as actions_view
from components import campaigns as campaigns_view
from components import drill_view
from components import format as fmt
from components.drill import DrillState, default_state
from components.drill_charts import LEVEL_TITLES
from components.export import client_address
from components.kpi_cards import kpi_card_data
from components.report_pdf import Report, Section, pdf_bytes
from warehouse import action_queries, analytics_queries, audit
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.queries import kpi_summary

logger = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
REPORTS = ("overview", "actions", "campaigns")


def _growth(value: float | None) -> str:
    return "—" if value is None else fmt.growth(value)


def drill_sections(view: drill_view.DrillView) -> list[Section]:
    """One section per drill chart: its bars and a table of label, revenue, orders and the comparison."""
    compare = view.compare_label
    sections = []
    for axis in ("time", "place", "product"):
        rows = view.rows[axis]
        columns = [view.levels[axis].capitalize(), "Revenue", "Orders"] + (
            [compare] if compare and axis != "time" else []
        )
        body = [
            [r["label"], fmt.money(r["revenue"]), fmt.count(r["orders"])]
            + ([fmt.money(r.get("comparison_revenue") or 0)] if compare and axis != "time" else [])
            for r in rows
        ]
        trail = " › ".join(label for _, label in view.crumbs[axis])
        sections.append(
            Section(
                LEVEL_TITLES[view.levels[axis]],
                columns,
                body,
                [(r["label"], r["revenue"]) for r in rows],
                note=trail,
            )
        )
    return sections


def overview_report(warehouse: Warehouse, viewer: Viewer, state: DrillState, today: dt.date | None) -> Report:
    """The Overview as on screen: the KPI cards, the drilled period's summary and its three charts."""
    kpis: list[tuple[str, str, str]] = []
    if today is not None:
        kpis = [
            (c.title, c.value, f"{_growth(c.growth)} {c.compared_with}")
            for c in kpi_card_data(kpi_summary(warehouse, today))
        ]
    view = drill_view.build(warehouse, viewer, state)
    return Report(
        title="Overview",
        period=view.summary,
        kpis=kpis,
        sections=drill_sections(view),
        footer=_footer(viewer, today),
    )


def actions_report(warehouse: Warehouse, viewer: Viewer, today: dt.date | None) -> Report:
    """Next best actions: per action the customers and expected value (those the viewer may read)."""
    rows = action_queries.action_summary(warehouse, action_queries.ActionScope(viewer=viewer))
    body = [
        [
            actions_view.action_label(r["action"]),
            fmt.count(int(r["customers"])),
            fmt.money(float(r["value"] or 0)),
        ]
        for r in rows
    ]
    kpis = [
        ("Customers with an action", fmt.count(sum(int(r["customers"]) for r in rows)), ""),
        ("Expected value", fmt.money(sum(float(r["value"] or 0) for r in rows)), "of doing them all"),
    ]
    section = Section(
        "Actions",
        ["Action", "Customers", "Expected value"],
        body,
        [(r[0], float(rows[i]["value"] or 0)) for i, r in enumerate(body)],
    )
    period = f"As of {today:%d %B %Y}" if today else "No data yet"
    return Report("Actions", period, kpis, [section], _footer(viewer, today))


def campaigns_report(warehouse: Warehouse, viewer: Viewer, today: dt.date | None) -> Report:
    """Campaigns: the summary sentence, per-channel totals and every campaign, best ROI first."""
    campaigns = analytics_queries.campaign_performance(warehouse)
    totals = campaigns_view.channel_totals(campaigns)
    channel_rows = [
        [
            fmt.channel(str(t["channel"])),
            fmt.money(float(t["spend"])),
            fmt.money(float(t["revenue"])),
            campaigns_view.roi_text(t.get("roi")),
        ]
        for t in totals
    ]
    campaign_rows = [
        [str(r["name"]), fmt.channel(str(r["channel"])), fmt.money(float(r["spend"])),
         fmt.money(float(r["revenue"])), campaigns_view.roi_text(r.get("roi"))]
        for r in campaigns
    ]  # fmt: skip
    sections = [
        Section(
            "Channels",
            ["Channel", "Spend", "Revenue", "ROI"],
            channel_rows,
            [(row[0], float(t["revenue"])) for row, t in zip(channel_rows, totals, strict=True)],
        ),
        Section("Campaigns", ["Campaign", "Channel", "Spend", "Revenue", "ROI"], campaign_rows),
    ]
    period = campaigns_view.campaigns_summary(totals)
    return Report("Campaigns", period, (), sections, _footer(viewer, today))


def _footer(viewer: Viewer, today: dt.date | None) -> str:
    day = f"{today:%d %B %Y}" if today else "no data yet"
    return f"Miracle Customer 360 · prepared for {viewer.username} ({viewer.role}) · data as of {day}"


def build_report(
    name: str, warehouse: Warehouse, viewer: Viewer, today: dt.date | None, state: DrillState | None = None
) -> Report:
    """The report called ``name`` (one of ``REPORTS``)."""
    if name == "overview":
        start_state = state or default_state(today or dt.date.today())
        return overview_report(warehouse, viewer, start_state, today)
    if name == "actions":
        return actions_report(warehouse, viewer, today)
    if name == "campaigns":
        return campaigns_report(warehouse, viewer, today)
    raise ValueError(f"report {name!r} is not one of {', '.join(REPORTS)}")


def render_pdf(
    name: str, warehouse: Warehouse, viewer: Viewer, today: dt.date, start: dt.date, end: dt.date
) -> bytes:
    """A report's PDF for the period ``start``..``end`` (the Overview compared with the period before)."""
    state = DrillState(start=start, end=end)
    return pdf_bytes(build_report(name, warehouse, viewer, today, state))


def pdf_download(
    warehouse: Warehouse, viewer: Viewer, name: str, report: Report, view: str = ""
) -> dict[str, Any]:
    """What a ``dcc.Download`` needs to save ``report`` as a PDF; audited as ``export.<name>.pdf``."""
    filename = f"{name}-report.pdf"
    detail = audit.detail_json(format="pdf", filters={"view": view}, sections=len(report.sections))
    audit.record(warehouse, viewer.username, f"export.{name}.pdf", filename, detail, address=client_address())
    content = base64.b64encode(pdf_bytes(report)).decode("ascii")
    return {"content": content, "filename": filename, "type": PDF_TYPE, "base64": True}


__all__ = [
    "REPORTS",
    "actions_report",
    "build_report",
    "campaigns_report",
    "drill_sections",
    "overview_report",
    "pdf_download",
    "render_pdf",
]
