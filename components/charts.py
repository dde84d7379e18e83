"""Figure builders: pure functions from query results to Plotly figures, one house style.

Figures are built as the plain data Plotly sends to the browser (:data:`Figure`), not through
``plotly.graph_objects``: those validate and copy every property (and the template) on each build, which
was most of a chart callback's time. The tests pass every builder's output through ``go.Figure`` so a
property Plotly would refuse still fails there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar

import plotly.graph_objects as go
import plotly.io as pio
from dash import dcc

from components import format as fmt
from warehouse.queries import DailyRevenue, SalesBreakdown

ACCENT = "#118dff"  # Power BI's default blue
ACCENT_DARK = "#12239e"
GRID = "#e6e9ef"
FONT = "Segoe UI, system-ui, -apple-system, Helvetica Neue, Arial, sans-serif"
GRAPH_CONFIG: dcc.Graph.Config = {
    "displaylogo": False,
    "displayModeBar": False,  # summary charts: no toolbar over the titles (Power BI-like)
    "responsive": True,
}

#: ``plotly_white`` trimmed to its layout and the trace kinds the portal draws: it looks the same on these
#: charts, and a figure takes it in ~5 ms instead of ~22 ms (Plotly validates and copies a whole template).
TEMPLATE = "c360_white"
pio.templates[TEMPLATE] = go.layout.Template(
    layout=pio.templates["plotly_white"].layout,
    data={kind: getattr(pio.templates["plotly_white"].data, kind) for kind in ("bar", "scatter", "heatmap")},
)

#: A Plotly figure as the JSON-ready data Dash sends (``{"data": [traces], "layout": {...}}``).
Figure = dict[str, Any]

#: The template as Plotly writes it into a figure, serialised once and shared by every figure built as data.
TEMPLATE_JSON: Final[dict[str, Any]] = pio.templates[TEMPLATE].to_plotly_json()

_F = TypeVar("_F", go.Figure, dict[str, Any])

#: Trace properties that carry data values Plotly draws as text (axis labels, hover, legend, slices).
TEXT_PROPERTIES = ("x", "y", "text", "hovertext", "labels", "name", "customdata", "ids", "parents")


def _plain(value: Any) -> Any:
    """Strings (also inside lists, tuples and object arrays) through :func:`components.format.plain`."""
    if isinstance(value, str):
        return fmt.plain(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if getattr(getattr(value, "dtype", None), "kind", None) == "O":  # a numpy array of objects (text)
        return [_plain(v) for v in value.tolist()]
    return value


def escape_labels(fig: _F) -> _F:
    """``fig`` with every data-borne text (campaign, customer, product and category names in labels,
    hovers and legends) and its title and annotations escaped, so markup in them shows as typed.

    Every figure built from warehouse values passes through here; hover and text templates are ours
    and keep their markup. Takes a :data:`Figure` or a ``go.Figure`` and returns the same kind.
    """
    if isinstance(fig, dict):
        return _escape_data(fig)
    for trace in fig.data:
        for prop in TEXT_PROPERTIES:
            if prop in trace and trace[prop] is not None:
                trace[prop] = _plain(trace[prop])
    title = fig.layout.title.text
    if title:
        fig.layout.title.text = fmt.plain(str(title))
    for note in fig.layout.annotations:
        if note.text:
            note.text = fmt.plain(str(note.text))
    return fig


def _escape_data(fig: Figure) -> Figure:
    for trace in fig.get("data", []):
        for prop in TEXT_PROPERTIES:
            if trace.get(prop) is not None:
                trace[prop] = _plain(trace[prop])
    layout = fig.get("layout", {})
    title = layout.get("title") or {}
    if title.get("text"):
        title["text"] = fmt.plain(str(title["text"]))
    for note in layout.get("annotations", []):
        if note.get("text"):
            note["text"] = fmt.plain(str(note["text"]))
    return fig


def styled_figure(
    traces: Sequence[dict[str, Any]],
    title: str,
    *,
    xaxis: dict[str, Any] | None = None,
    yaxis: dict[str, Any] | None = None,
    **layout: Any,
) -> Figure:
    """``traces`` (plain dicts, each with its ``type``) in the house style, ``layout`` and the axes on top."""
    return {
        "data": list(traces),
        "layout": {
            "template": TEMPLATE_JSON,
            "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            "margin": {"l": 8, "r": 8, "t": 44, "b": 8},
            "font": {"family": FONT, "size": 12, "color": "#252423"},
            "hovermode": "x unified",
            "legend": {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            **layout,
            "xaxis": {**(xaxis or {}), "gridcolor": GRID, "automargin": True},
            "yaxis": {**(yaxis or {}), "gridcolor": GRID, "automargin": True, "zeroline": False},
        },
    }


def empty_figure(message: str) -> Figure:
    """A blank figure that says why it is blank."""
    note = {"text": message, "showarrow": False, "font": {"size": 14, "color": "#605e5c"}}
    return styled_figure([], "", xaxis={"visible": False}, yaxis={"visible": False}, annotations=[note])


def revenue_trend_figure(series: Sequence[DailyRevenue], average_days: int = 7) -> Figure:
    """Daily revenue as columns with its trailing ``average_days``-day average as a line."""
    if not series:
        return empty_figure("No sales in this period")
    days = [p.day for p in series]
    revenue = [p.revenue for p in series]
    sign = fmt.currency_symbol()
    average = [
        sum(revenue[max(0, i - average_days + 1) : i + 1])
        / len(revenue[max(0, i - average_days + 1) : i + 1])
        for i in range(len(revenue))
    ]
    hover = f"{sign}%{{y:,.0f}}<extra></extra>"
    bars = {"type": "bar", "x": days, "y": revenue, "name": "Revenue", "marker": {"color": ACCENT},
            "hovertemplate": hover}  # fmt: skip
    line = {"type": "scatter", "x": days, "y": average, "name": f"{average_days}-day average", "mode": "lines",
            "line": {"color": ACCENT_DARK, "width": 2}, "hovertemplate": hover}  # fmt: skip
    return styled_figure([bars, line], "Revenue per day", yaxis={"tickprefix": sign, "tickformat": ",.0f"})


def revenue_by_figure(rows: Sequence[SalesBreakdown], dimension: str) -> Figure:
    """Horizontal bars of revenue per ``dimension`` value, largest on top."""
    if not rows:
        return empty_figure("No sales in this period")
    ordered = list(reversed(rows))
    sign = fmt.currency_symbol()
    bars = {
        "type": "bar",
        "x": [r.revenue for r in ordered],
        "y": [r.label for r in ordered],
        "orientation": "h",
        "marker": {"color": ACCENT},
        "customdata": [r.orders for r in ordered],
        "hovertemplate": f"%{{y}}: {sign}%{{x:,.0f}} · %{{customdata:,}} orders<extra></extra>",
    }
    fig = styled_figure(
        [bars],
        f"Revenue by {dimension}",
        xaxis={"tickprefix": sign, "tickformat": "~s"},
        hovermode="closest",
    )
    return escape_labels(fig)
