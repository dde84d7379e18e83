"""Formatted PDF reports (reportlab): a title, the period, KPI tiles, and sections of a bar chart and a table.

Pure: :func:`pdf_bytes` turns a :class:`Report` into bytes; what goes in a report is built elsewhere
(:mod:`components.report_content`). Charts are drawn with reportlab's own graphics, so no browser is needed.
"""

from __future__ import annotations

import html
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

logger = logging.getLogger(__name__)

ACCENT = colors.HexColor("#118dff")
HEADER = colors.HexColor("#f3f2f1")
MAX_BARS = 15
MAX_ROWS = 60


@dataclass(frozen=True)
class Section:
    """A titled table (``columns`` headings, ``rows`` of display text) with an optional bar chart of (label, value)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    chart: Sequence[tuple[str, float]] = ()
    note: str = ""


@dataclass(frozen=True)
class Report:
    """What a PDF report holds: title, period line, KPIs (label, value, comparison) and sections."""

    title: str
    period: str
    kpis: Sequence[tuple[str, str, str]] = ()
    sections: Sequence[Section] = field(default_factory=tuple)
    footer: str = ""


def _text(value: Any, style: Any) -> Paragraph:
    return Paragraph(html.escape(str(value), quote=False), style)


def _kpi_table(kpis: Sequence[tuple[str, str, str]], styles: Any) -> Table:
    cells = [
        [_text(label, styles["label"]), _text(value, styles["kpi"]), _text(note, styles["label"])]
        for label, value, note in kpis
    ]
    per_row = 3
    grid = [
        [cells[i + j] if i + j < len(cells) else "" for j in range(per_row)]
        for i in range(0, len(cells), per_row)
    ]
    table = Table(grid, colWidths=[58 * mm] * per_row)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, colors.lightgrey),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _chart(points: Sequence[tuple[str, float]]) -> Drawing:
    shown = list(points)[:MAX_BARS]
    height = 40 + 16 * len(shown)
    drawing = Drawing(170 * mm, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 60 * mm, 24  # room below for the value axis labels
    chart.width, chart.height = 100 * mm, height - 30
    chart.data = [[float(v) for _, v in reversed(shown)]]
    chart.categoryAxis.categoryNames = [label[:32] for label, _ in reversed(shown)]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = min(0.0, *chart.data[0]) if chart.data[0] else 0.0
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    return drawing


def _table(section: Section, styles: Any) -> Table:
    head = [_text(c, styles["head"]) for c in section.columns]
    body = [[_text(v, styles["cell"]) for v in row] for row in list(section.rows)[:MAX_ROWS]]
    table = Table([head, *body], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.grey),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#fafafa")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _styles() -> dict[str, Any]:
    base = getSampleStyleSheet()
    styles = {k: base[k] for k in ("Title", "Heading2", "Normal")}
    normal = base["Normal"]
    styles["label"] = normal.clone("label", fontSize=8, textColor=colors.HexColor("#605e5c"))
    styles["kpi"] = normal.clone("kpi", fontSize=14, leading=17, fontName="Helvetica-Bold")
    styles["head"] = normal.clone("head", fontSize=8, fontName="Helvetica-Bold")
    styles["cell"] = normal.clone("cell", fontSize=8, leading=10)
    return styles


def pdf_bytes(report: Report) -> bytes:
    """The report as an A4 PDF."""
    styles = _styles()
    story: list[Any] = [
        _text(report.title, styles["Title"]),
        _text(report.period, styles["Normal"]),
        Spacer(1, 5 * mm),
    ]
    if report.kpis:
        story += [_kpi_table(report.kpis, styles), Spacer(1, 6 * mm)]
    for section in report.sections:
        parts: list[Any] = [_text(section.title, styles["Heading2"])]
        if section.note:
            parts.append(_text(section.note, styles["label"]))
        if section.chart:
            parts.append(_chart(section.chart))
        story += [KeepTogether(parts), _table(section, styles), Spacer(1, 5 * mm)]
    if report.footer:
        story.append(_text(report.footer, styles["label"]))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=report.title, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm
    )
    document.build(story)
    return out.getvalue()


__all__ = ["Report", "Section", "pdf_bytes"]
