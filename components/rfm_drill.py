"""The RFM segments chart as a drill: segment → region → rep → customer, with a breadcrumb trail to step back.

The place it drills (region → rep → customer) is the page's drill panel's place path: a click on a region
in this chart drills the panel too (its three charts filter to that region), and a region picked in the
panel narrows this chart. The segment is kept in the address (``?rfm=At risk``) beside the panel's state,
so a drilled view can be shared and reloads the same. Spend is to date (RFM is a snapshot, not a window).

A page calls :func:`rfm_chart` in its layout and :func:`register` once at import.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.analytics import rfm_drill_figure
from components.charts import GRAPH_CONFIG, Figure, empty_figure, escape_labels
from components.context import current_portal
from components.drill import DrillState, from_store, to_store
from components.drill_panel import breadcrumbs
from components.drill_panel import pid as drill_id
from components.export import current_viewer
from components.view_cache import ViewCache, data_version, reader_scope
from warehouse.engine import Warehouse, WarehouseError
from warehouse.policy import Viewer
from warehouse.rfm_drill import RFM_LEVELS, RfmFilters, rfm_breakdown

logger = logging.getLogger(__name__)

PARAM = "rfm"  # the address's query parameter holding the segment
MAX_SEGMENT = 80


def rid(prefix: str, name: str) -> str:
    """An RFM drill component id on page ``prefix``: ``analytics-rfm-graph``."""
    return f"{prefix}-rfm-{name}"


def segment_of(value: Any) -> str | None:
    """A segment from the address or the store: text of a sensible length, else none."""
    return value.strip() if isinstance(value, str) and 0 < len(value.strip()) <= MAX_SEGMENT else None


def level(segment: str | None, place: tuple[str, ...]) -> str:
    """What the chart shows: segments, or inside one the place level below the panel's place path (at the
    customer, that customer)."""
    return "segment" if segment is None else RFM_LEVELS[1 + min(len(place), 2)]


def filters(segment: str | None, place: tuple[str, ...]) -> RfmFilters:
    return RfmFilters(
        segment=segment,
        region=place[0] if len(place) > 0 else None,
        rep=place[1] if len(place) > 1 else None,
        customer_key=int(place[2]) if len(place) > 2 and place[2].isdigit() else None,
    )


def trail(segment: str | None, place: tuple[str, ...], names: Mapping[str, str]) -> list[tuple[int, str]]:
    """The breadcrumbs: (depth to step back to, label); depth 0 clears the segment, 1 the place, 2+ a place step."""
    steps = [(0, "All segments")]
    if segment is not None:
        steps.append((1, segment))
        steps += [(2 + i, names.get(value, value)) for i, value in enumerate(place)]
    return steps


def after_click(segment: str | None, state: DrillState, key: str | None) -> tuple[str | None, DrillState]:
    """The segment and panel state after a click on the bar keyed ``key`` (a leaf customer drills no further)."""
    if key is None:
        return segment, state
    if segment is None:
        return segment_of(key), state
    return segment, state.drill("place", key)


def after_crumb(segment: str | None, state: DrillState, depth: int) -> tuple[str | None, DrillState]:
    """The segment and panel state after the breadcrumb at ``depth``."""
    if depth <= 0:
        return None, state
    return segment, state.up("place", depth - 1)


def rfm_chart(prefix: str, segment: str | None) -> html.Div:
    """The chart with its trail, opening on ``segment`` (the panel's place path narrows it)."""
    graph = dcc.Graph(
        id=rid(prefix, "graph"), figure=empty_figure(""), config=GRAPH_CONFIG, className="chart drill-chart"
    )
    return html.Div(
        [
            dcc.Store(id=rid(prefix, "path"), data={"segment": segment}),
            html.Nav(id=rid(prefix, "crumbs"), className="drill-crumbs mb-1"),
            dcc.Loading(graph, type="dot", delay_show=300),
        ],
        className="rfm-drill",
    )


#: Drawn RFM views per worker, like the drill panel's: the same for every reader of a scope per data version.
VIEWS = ViewCache()


def _drawn(
    warehouse: Warehouse, viewer: Viewer, segment: str | None, place: tuple[str, ...]
) -> tuple[Figure, list[tuple[int, str]]]:
    shown = level(segment, place)
    rows = rfm_breakdown(warehouse, shown, filters(segment, place), viewer)
    names = {r["key"]: r["label"] for r in rows} if shown == "customer" else {}
    figure = escape_labels(rfm_drill_figure(rows, shown, segment or ""))
    return figure, trail(segment, place, names)


def _clicked(click: Mapping[str, Any] | None) -> str | None:
    points = (click or {}).get("points") or []
    data = points[0].get("customdata") if points else None
    if isinstance(data, list) and data:
        return str(data[0])
    return None


def register(prefix: str, today: Callable[[], Any], guard: Callable[[], None] = lambda: None) -> None:
    """The chart's callbacks on page ``prefix`` (whose drill panel is ``prefix`` too)."""
    panel = drill_id(prefix, "state")

    @callback(
        Output(rid(prefix, "graph"), "figure"),
        Output(rid(prefix, "crumbs"), "children"),
        Input(rid(prefix, "path"), "data"),
        Input(panel, "data"),
    )
    def render(path: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> tuple[Any, ...]:
        """The chart and trail for the segment and the panel's place path."""
        guard()
        segment = segment_of((path or {}).get("segment"))
        place = from_store(data, today()).place
        warehouse, viewer = current_portal().warehouse, current_viewer()
        try:
            key = (str(warehouse.engine.url), prefix, segment, json.dumps(place), reader_scope(viewer))
            figure, steps = VIEWS.get_or_build(
                (*key, data_version(warehouse)), lambda: _drawn(warehouse, viewer, segment, place)
            )
        except WarehouseError:
            logger.exception("%s: RFM drill could not be read", prefix)
            return empty_figure("Data unavailable"), []
        return figure, breadcrumbs(f"{prefix}-rfm", "place", steps)

    @callback(
        Output(rid(prefix, "path"), "data"),
        Output(panel, "data", allow_duplicate=True),
        Output(rid(prefix, "graph"), "clickData"),
        Input(rid(prefix, "graph"), "clickData"),
        Input({"type": drill_id(f"{prefix}-rfm", "crumb"), "axis": ALL, "depth": ALL}, "n_clicks"),
        State(rid(prefix, "path"), "data"),
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
            if (segment) {{ params.set("{PARAM}", segment); }} else {{ params.delete("{PARAM}"); }}
            const search = params.toString() ? "?" + params.toString() : "";
            if (window.location.search !== search) {{
                window.history.replaceState(window.history.state, "", window.location.pathname + search);
            }}
            return window.dash_clientside.no_update;
        }}""",
        Output(rid(prefix, "path"), "modified_timestamp"),
        Input(rid(prefix, "path"), "data"),
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
    "after_click",
    "after_crumb",
    "filters",
    "level",
    "register",
    "rfm_card_body",
    "rfm_chart",
    "trail",
]
