"""The customer-group charts as drills: an RFM segment, an order-count band or a days-since-last-order band
→ region → rep → customer, with a breadcrumb trail to step back.

The place they drill (region → rep → customer) is the page's drill panel's place path: a click on a region
in one of these charts drills the panel too (its three charts filter to that region), and a region picked
in the panel narrows these charts. The group is kept in the address (``?rfm=At risk``, ``?frequency=3-4``,
``?recency=90-179``) beside the panel's state, so a drilled view can be shared and reloads the same.
Spend and counts are as of the latest batch (RFM is a snapshot, not a window).

A page calls :func:`rfm_chart` in its layout and :func:`register` once at import, per chart (:data:`CHARTS`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.analytics import rfm_drill_figure
from components.behaviour import distribution_figure
from components.charts import GRAPH_CONFIG, Figure, empty_figure, escape_labels
from components.context import current_portal
from components.drill import DrillState, from_store, to_store
from components.drill_panel import breadcrumbs
from components.drill_panel import pid as drill_id
from components.export import current_viewer
from warehouse.analytics_queries import purchase_distribution
from warehouse.engine import Warehouse, WarehouseError
from warehouse.policy import Viewer
from warehouse.rfm_drill import RFM_LEVELS, RfmFilters, band_of, rfm_breakdown
from warehouse.version import data_version
from warehouse.view_cache import ViewCache, reader_scope

logger = logging.getLogger(__name__)

PARAM = "rfm"  # the address's query parameter holding the RFM segment
MAX_SEGMENT = 80


@dataclass(frozen=True)
class GroupChart:
    """One drillable chart of customer groups: its name (ids and address parameter), the label of its top
    step, what its drilled bars measure, and what follows a group's name in the trail."""

    name: str
    top: str
    measure: str  # "revenue" or "customers"
    unit: str = ""


CHARTS = {
    "rfm": GroupChart("rfm", "All segments", "revenue"),
    "frequency": GroupChart("frequency", "All order counts", "customers", " orders"),
    "recency": GroupChart("recency", "All recencies", "customers", " days"),
}


def rid(prefix: str, name: str, chart: str = "rfm") -> str:
    """A group drill component id on page ``prefix``: ``analytics-rfm-graph``, ``analytics-frequency-path``."""
    return f"{prefix}-{chart}-{name}"


def segment_of(value: Any) -> str | None:
    """A group from the address or the store: text of a sensible length, else none."""
    return value.strip() if isinstance(value, str) and 0 < len(value.strip()) <= MAX_SEGMENT else None


def level(segment: str | None, place: tuple[str, ...], chart: str = "rfm") -> str:
    """What the chart shows: its groups (segments, bands), or inside one the place level below the panel's
    place path (at the customer, that customer)."""
    if segment is None:
        return "segment" if chart == "rfm" else chart
    return RFM_LEVELS[1 + min(len(place), 2)]


def filters(segment: str | None, place: tuple[str, ...], chart: str = "rfm") -> RfmFilters:
    return RfmFilters(
        segment=segment if chart == "rfm" else None,
        band=band_of(chart, segment) if chart != "rfm" and segment is not None else None,
        region=place[0] if len(place) > 0 else None,
        rep=place[1] if len(place) > 1 else None,
        customer_key=int(place[2]) if len(place) > 2 and place[2].isdigit() else None,
    )


def trail(
    segment: str | None, place: tuple[str, ...], names: Mapping[str, str], chart: str = "rfm"
) -> list[tuple[int, str]]:
    """The breadcrumbs: (depth to step back to, label); depth 0 clears the group, 1 the place, 2+ a place step."""
    spec = CHARTS[chart]
    steps = [(0, spec.top)]
    if segment is not None:
        steps.append((1, segment + spec.unit))
        steps += [(2 + i, names.get(value, value)) for i, value in enumerate(place)]
    return steps


def after_click(segment: str | None, state: DrillState, key: str | None) -> tuple[str | None, DrillState]:
    """The group and panel state after a click on the bar keyed ``key`` (a leaf customer drills no further)."""
    if key is None:
        return segment, state
    if segment is None:
        return segment_of(key), state
    return segment, state.drill("place", key)


def after_crumb(segment: str | None, state: DrillState, depth: int) -> tuple[str | None, DrillState]:
    """The group and panel state after the breadcrumb at ``depth``."""
    if depth <= 0:
        return None, state
    return segment, state.up("place", depth - 1)


def rfm_chart(prefix: str, segment: str | None, chart: str = "rfm") -> html.Div:
    """The chart with its trail, opening on group ``segment`` (the panel's place path narrows it)."""
    graph = dcc.Graph(
        id=rid(prefix, "graph", chart),
        figure=empty_figure(""),
        config=GRAPH_CONFIG,
        className="chart drill-chart",
    )
    return html.Div(
        [
            dcc.Store(id=rid(prefix, "path", chart), data={"segment": segment}),
            html.Nav(id=rid(prefix, "crumbs", chart), className="drill-crumbs mb-1"),
            dcc.Loading(graph, type="dot", delay_show=300),
        ],
        className=f"{chart}-drill",
    )


#: Drawn group views per worker, like the drill panel's: the same for every reader of a scope per data version.
VIEWS = ViewCache()


def _drawn(
    warehouse: Warehouse, viewer: Viewer, segment: str | None, place: tuple[str, ...], chart: str
) -> tuple[Figure, list[tuple[int, str]]]:
    shown = level(segment, place, chart)
    wanted = filters(segment, place, chart)
    if shown == chart and not wanted.narrowed and viewer.all_customers:  # every customer: the spread's mart
        figure = distribution_figure(purchase_distribution(warehouse), chart)
        return escape_labels(figure), trail(segment, place, {}, chart)
    rows = rfm_breakdown(warehouse, shown, wanted, viewer)
    if shown == chart:  # the spread of one place's customers, drawn as the spread is
        total = sum(r["customers"] for r in rows) or 1
        spread = [
            {"measure": chart, "bin_order": i, "bin": r["key"], "customers": r["customers"], "share": r["customers"] / total}
            for i, r in enumerate(rows)
        ]  # fmt: skip
        return escape_labels(distribution_figure(spread, chart)), trail(segment, place, {}, chart)
    names = {r["key"]: r["label"] for r in rows} if shown == "customer" else {}
    group = (segment + CHARTS[chart].unit) if segment else ""
    figure = rfm_drill_figure(rows, shown, group, CHARTS[chart].measure)
    return escape_labels(figure), trail(segment, place, names, chart)


def _clicked(click: Mapping[str, Any] | None) -> str | None:
    """The drill key of the clicked bar: a drilled bar's first ``customdata``, a spread's band label."""
    points = (click or {}).get("points") or []
    if not points:
        return None
    data = points[0].get("customdata")
    if isinstance(data, list) and data:
        return str(data[0])
    x = points[0].get("x")
    return str(x) if isinstance(x, str) else None


def register(
    prefix: str, today: Callable[[], Any], guard: Callable[[], None] = lambda: None, chart: str = "rfm"
) -> None:
    """Chart ``chart``'s callbacks on page ``prefix`` (whose drill panel is ``prefix`` too)."""
    panel = drill_id(prefix, "state")
    param = PARAM if chart == "rfm" else chart
    graph, path_id, crumbs_id = (rid(prefix, n, chart) for n in ("graph", "path", "crumbs"))

    @callback(
        Output(graph, "figure"), Output(crumbs_id, "children"), Input(path_id, "data"), Input(panel, "data")
    )
    def render(path: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> tuple[Any, ...]:
        """The chart and trail for the group and the panel's place path."""
        guard()
        segment = segment_of((path or {}).get("segment"))
        place = from_store(data, today()).place
        warehouse, viewer = current_portal().warehouse, current_viewer()
        try:
            key = (str(warehouse.engine.url), prefix, chart, segment, json.dumps(place), reader_scope(viewer))
            figure, steps = VIEWS.get_or_build(
                (*key, data_version(warehouse)), lambda: _drawn(warehouse, viewer, segment, place, chart)
            )
        except WarehouseError:
            logger.exception("%s: the %s drill could not be read", prefix, chart)
            return empty_figure("Data unavailable"), []
        return figure, breadcrumbs(f"{prefix}-{chart}", "place", steps)

    @callback(
        Output(path_id, "data"),
        Output(panel, "data", allow_duplicate=True),
        Output(graph, "clickData"),
        Input(graph, "clickData"),
        Input({"type": drill_id(f"{prefix}-{chart}", "crumb"), "axis": ALL, "depth": ALL}, "n_clicks"),
        State(path_id, "data"),
        State(panel, "data"),
        prevent_initial_call=True,
    )
    def drill(click: Any, _crumbs: Any, path: Mapping[str, Any] | None, data: Any) -> tuple[Any, ...]:
        """A bar drills one step (a place step drills the panel too); a breadcrumb steps back."""
        guard()
        trigger = ctx.triggered_id
        segment = segment_of((path or {}).get("segment"))
        state = from_store(data, today())
        if isinstance(trigger, dict):
            if not ctx.triggered[0].get("value"):
                raise PreventUpdate  # a breadcrumb appearing, not clicked
            new_segment, new_state = after_crumb(segment, state, int(trigger["depth"]))
        else:
            new_segment, new_state = after_click(segment, state, _clicked(click))
        return (
            {"segment": new_segment} if new_segment != segment else no_update,
            to_store(new_state) if new_state != state else no_update,
            None,
        )

    clientside_callback(
        f"""function (path) {{
            const params = new URLSearchParams(window.location.search);
            const segment = path && path.segment;
            if (segment) {{ params.set("{param}", segment); }} else {{ params.delete("{param}"); }}
            const search = params.toString() ? "?" + params.toString() : "";
            if (window.location.search !== search) {{
                window.history.replaceState(window.history.state, "", window.location.pathname + search);
            }}
            return window.dash_clientside.no_update;
        }}""",
        Output(path_id, "modified_timestamp"),
        Input(path_id, "data"),
        prevent_initial_call=True,
    )


def rfm_card_body(prefix: str, segment: str | None, table: Any) -> dbc.Row:
    """The RFM section's body: the drill chart beside the segments table."""
    return dbc.Row(
        [
            dbc.Col(
                [
                    rfm_chart(prefix, segment),
                    html.P(
                        "Click a bar to drill: segment → region → rep → customer; the region you pick filters "
                        "the drill-down charts too.",
                        className="text-muted small mb-0",
                    ),
                ],
                xs=12,
                lg=5,
            ),
            dbc.Col(table, xs=12, lg=7),
        ]
    )


__all__ = [
    "CHARTS",
    "GroupChart",
    "after_click",
    "after_crumb",
    "filters",
    "level",
    "register",
    "rfm_card_body",
    "rfm_chart",
    "trail",
]
