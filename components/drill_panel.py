"""The drill-down panel a page embeds: date range and comparison, three drillable charts with breadcrumbs,
and CSV / XLSX / PNG exports of each chart.

A page calls :func:`drill_panel` in its layout (with the state its URL describes) and
:func:`register` once at import. Clicking a bar drills its chart and filters the other two; a
breadcrumb steps back; the state goes into the address bar (``history.replaceState``) so the view can
be shared and reloads the same.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import drill_view
from components import format as fmt
from components.charts import GRAPH_CONFIG, Figure, empty_figure
from components.context import current_portal
from components.controls import picker
from components.drill import AXES, COMPARES, Axis, DrillState, from_store, to_query, to_store
from components.drill_charts import EXPORT_COLUMNS, breakdown_figure, time_figure
from components.export import COUNT_FORMAT, current_viewer, export_download, money_format
from warehouse.engine import Warehouse, WarehouseError
from warehouse.policy import Viewer
from warehouse.version import data_version
from warehouse.view_cache import ViewCache, reader_scope

logger = logging.getLogger(__name__)

AXIS_TITLES: dict[Axis, str] = {"time": "Time", "place": "Region · rep · customer", "product": "Product"}
KINDS = ("csv", "xlsx")


def pid(prefix: str, name: str) -> str:
    """A drill component id on page ``prefix``: ``overview-drill-time-graph``."""
    return f"{prefix}-drill-{name}"


def graph_config(prefix: str, axis: Axis) -> dict[str, Any]:
    """Chart options: the toolbar's PNG download only, saving as ``<page>-<axis>.png``."""
    return dict(GRAPH_CONFIG) | {
        "displayModeBar": "hover",
        "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "autoScale2d", "resetScale2d"],
        "toImageButtonOptions": {"format": "png", "filename": f"{prefix}-{axis}", "scale": 2},
    }


def drill_panel(prefix: str, state: DrillState) -> html.Div:
    """The panel's layout, opening on ``state``."""
    controls = dbc.Row(
        [
            dbc.Col(
                dcc.DatePickerRange(
                    id=pid(prefix, "range"),
                    start_date=state.start.isoformat(),
                    end_date=state.end.isoformat(),
                    display_format="D MMM YYYY",
                    minimum_nights=0,
                    className="drill-range",
                ),
                xs=12,
                md="auto",
                className="mb-2",
            ),
            dbc.Col(
                picker(pid(prefix, "compare"), {str(k): v for k, v in COMPARES.items()}, state.compare),
                xs=12,
                md="auto",
            ),
        ],
        className="g-2 align-items-center",
    )
    cards = [
        dbc.Col(_chart_card(prefix, axis), xs=12, lg=12 if axis == "time" else 6, className="mb-3")
        for axis in AXES
    ]
    return html.Div(
        [
            dcc.Store(id=pid(prefix, "state"), data=to_store(state)),
            dcc.Store(id=pid(prefix, "query")),
            dcc.Download(id=pid(prefix, "download")),
            controls,
            html.P(id=pid(prefix, "summary"), className="drill-summary mb-2"),
            html.P(
                "Click a bar to drill into it and filter the other charts; the trail above each chart steps back.",
                className="text-muted small mb-2",
            ),
            dbc.Row(cards),
        ],
        id=pid(prefix, "panel"),
        className="drill-panel",
    )


def _chart_card(prefix: str, axis: Axis) -> dbc.Card:
    exports = html.Div(
        [
            dbc.Button(
                kind.upper(),
                id={"type": pid(prefix, "export"), "axis": axis, "kind": kind},
                color="secondary",
                outline=True,
                size="sm",
                n_clicks=0,
                className="ms-1",
            )
            for kind in KINDS
        ],
        className="d-flex",
    )
    graph = dcc.Graph(
        id=pid(prefix, f"{axis}-graph"),
        figure=empty_figure(""),
        config=graph_config(prefix, axis),  # type: ignore[arg-type]
        className="chart" if axis == "time" else "chart drill-chart",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [html.Nav(id=pid(prefix, f"{axis}-crumbs"), className="drill-crumbs"), exports],
                    className="d-flex flex-wrap justify-content-between align-items-center gap-2",
                ),
                dcc.Loading(graph, type="dot", delay_show=300),
            ]
        ),
        className="chart-card h-100",
    )


def breadcrumbs(prefix: str, axis: Axis, trail: list[tuple[int, str]]) -> list[Any]:
    """The trail as buttons (every step but the last) separated by chevrons; the last step is plain text."""
    parts: list[Any] = []
    for i, (depth, label) in enumerate(trail):
        if i:
            parts.append(html.Span("›", className="drill-crumb-sep mx-1"))
        if i == len(trail) - 1:
            parts.append(html.Span(label, className="drill-crumb-current fw-semibold"))
        else:
            parts.append(
                html.Button(
                    label,
                    id={"type": pid(prefix, "crumb"), "axis": axis, "depth": depth},
                    n_clicks=0,
                    className="btn btn-link btn-sm p-0 drill-crumb",
                )
            )
    return parts


def _today() -> dt.date:
    return current_portal().today() or dt.date.today()


def _clicked(click: Mapping[str, Any] | None) -> str | None:
    points = (click or {}).get("points") or []
    value = points[0].get("customdata") if points else None
    return str(value) if value is not None else None


def next_state(
    state: DrillState,
    trigger: Any,
    clicks: Mapping[Axis, Mapping[str, Any] | None],
    start: str | None,
    end: str | None,
    compare: str | None,
) -> DrillState:
    """The state after what the user did (``trigger`` is the id of what fired)."""
    if isinstance(trigger, dict) and trigger.get("type", "").endswith("-crumb"):
        return state.up(trigger["axis"], int(trigger["depth"]))
    for axis in AXES:
        if isinstance(trigger, str) and trigger.endswith(f"-drill-{axis}-graph"):
            value = _clicked(clicks.get(axis))
            return state.drill(axis, value) if value is not None else state
    data = to_store(state) | {"compare": compare or state.compare}
    try:
        low, high = dt.date.fromisoformat((start or "")[:10]), dt.date.fromisoformat((end or "")[:10])
    except ValueError:
        low, high = state.start, state.end
    if low <= high:
        data |= {"from": low.isoformat(), "to": high.isoformat()}
    return from_store(data, state.end)


def register(prefix: str, guard: Callable[[], None] = lambda: None) -> None:
    """The panel's callbacks on page ``prefix``; ``guard`` refuses users the page is not for."""

    @callback(
        Output(pid(prefix, "state"), "data"),
        *[Output(pid(prefix, f"{axis}-graph"), "clickData") for axis in AXES],
        *[Input(pid(prefix, f"{axis}-graph"), "clickData") for axis in AXES],
        Input({"type": pid(prefix, "crumb"), "axis": ALL, "depth": ALL}, "n_clicks"),
        Input(pid(prefix, "range"), "start_date"),
        Input(pid(prefix, "range"), "end_date"),
        Input(pid(prefix, "compare"), "value"),
        State(pid(prefix, "state"), "data"),
        prevent_initial_call=True,
    )
    def update_state(*args: Any) -> tuple[Any, ...]:
        """Drill, step back, or change the dates or comparison."""
        guard()
        time_click, place_click, product_click, _crumbs, start, end, compare, data = args
        trigger = ctx.triggered_id
        if isinstance(trigger, dict) and not ctx.triggered[0].get("value"):
            raise PreventUpdate  # a breadcrumb appearing, not clicked
        state = from_store(data, _today())
        clicks: dict[Axis, Any] = {"time": time_click, "place": place_click, "product": product_click}
        new = next_state(state, trigger, clicks, start, end, compare)
        return (to_store(new) if new != state else no_update), None, None, None

    @callback(
        *[Output(pid(prefix, f"{axis}-graph"), "figure") for axis in AXES],
        *[Output(pid(prefix, f"{axis}-crumbs"), "children") for axis in AXES],
        Output(pid(prefix, "summary"), "children"),
        Output(pid(prefix, "query"), "data"),
        Input(pid(prefix, "state"), "data"),
    )
    def render(data: Mapping[str, Any] | None) -> tuple[Any, ...]:
        """The three charts, their trails and the summary for the stored state."""
        guard()
        state = from_store(data, _today())
        warehouse, viewer = current_portal().warehouse, current_viewer()
        try:
            key = (
                str(warehouse.engine.url),  # one worker may serve several warehouses (tests do)
                prefix,
                json.dumps(to_store(state), sort_keys=True),
                reader_scope(viewer),
                data_version(warehouse),
            )
            view, drawn = VIEWS.get_or_build(key, lambda: _drawn(warehouse, viewer, state))
        except WarehouseError:
            logger.exception("%s: drill-down could not be read", prefix)
            blank = empty_figure("Data unavailable")
            return (
                blank,
                blank,
                blank,
                [],
                [],
                [],
                "The warehouse could not be read; try again shortly.",
                None,
            )
        return (
            *drawn,
            *[breadcrumbs(prefix, a, view.crumbs[a]) for a in AXES],
            view.summary,
            to_query(state),
        )

    clientside_callback(
        """function (query) {
            if (!query) { return window.dash_clientside.no_update; }
            const own = ["from", "to", "compare", "time", "place", "product"];
            const others = Array.from(new URLSearchParams(window.location.search)).filter(p => !own.includes(p[0]));
            let search = query;  // the panel's state, plus what other parts of the page keep in the address
            if (others.length) {
                const params = new URLSearchParams(query);
                others.forEach(p => params.set(p[0], p[1]));
                search = "?" + params.toString();
            }
            if (window.location.search !== search) {
                window.history.replaceState(window.history.state, "", window.location.pathname + search);
            }
            return window.dash_clientside.no_update;
        }""",
        Output(pid(prefix, "query"), "modified_timestamp"),
        Input(pid(prefix, "query"), "data"),
        prevent_initial_call=True,
    )

    @callback(
        Output(pid(prefix, "download"), "data"),
        Input({"type": pid(prefix, "export"), "axis": ALL, "kind": ALL}, "n_clicks"),
        State(pid(prefix, "state"), "data"),
        prevent_initial_call=True,
    )
    def export(_clicks: list[int], data: Mapping[str, Any] | None) -> dict[str, Any]:
        """The clicked chart's rows as on screen, as CSV or XLSX."""
        guard()
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        axis, kind = trigger["axis"], trigger["kind"]
        state = from_store(data, _today())
        viewer = current_viewer()
        warehouse = current_portal().warehouse
        view = drill_view.build(warehouse, viewer, state)
        name = f"{prefix}-{view.levels[axis]}-{state.window()[0]}-{state.window()[1]}.{kind}"
        filters = {"view": to_query(state), "chart": axis}
        columns = EXPORT_COLUMNS if view.compare_label and axis != "time" else EXPORT_COLUMNS[:3]
        headers = {
            "label": view.levels[axis].capitalize(),
            "revenue": "Revenue",
            "orders": "Orders",
            "comparison_revenue": f"Revenue {view.compare_label}",
        }
        formats = dict.fromkeys(("revenue", "comparison_revenue"), money_format(fmt.currency_symbol()))
        formats["orders"] = COUNT_FORMAT
        return export_download(
            warehouse,
            viewer,
            f"{prefix}.{axis}",
            view.rows[axis],
            columns,
            name,
            filters,
            kind,
            headers,
            formats,
        )


#: Drawn views per worker: the panels open on the same few views for everyone.
VIEWS = ViewCache()


def _drawn(
    warehouse: Warehouse, viewer: Viewer, state: DrillState
) -> tuple[drill_view.DrillView, tuple[dict[str, Any], ...]]:
    """The view and its three figures as plain JSON-ready dicts (drawn once, sent many times)."""
    view = drill_view.build(warehouse, viewer, state)
    return view, figures(view)


def figures(view: drill_view.DrillView) -> tuple[Figure, Figure, Figure]:
    """The time, place and product figures of a drill view."""
    note = "a customer's or product's sales are kept by month" if view.months_only else ""
    return (
        time_figure(view.rows["time"], view.levels["time"], note),
        breakdown_figure(view.rows["place"], view.levels["place"], view.compare_label),
        breakdown_figure(view.rows["product"], view.levels["product"], view.compare_label),
    )


__all__ = ["breadcrumbs", "drill_panel", "figures", "graph_config", "next_state", "pid", "register"]
