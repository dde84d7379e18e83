"""Analytics (``/analytics``): why revenue, orders or order value changed, growth, unusual days, RFM segments,
cohort retention, purchase frequency and recency, products bought together, budget and price guidance.

Reads the analytics marts (filled by the pipeline's ``analytics`` step) through
:mod:`warehouse.analytics_queries`; open to analysts, managers and administrators (see
:mod:`components.access`). Managers export the drivers and the budget split as CSV.
"""

from __future__ import annotations

import datetime as dt
import html as html_text
import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from components import analytics as view
from components import behaviour, ids, rfm_drill
from components import drivers as why
from components.access import current_role, may_open, require
from components.charts import GRAPH_CONFIG, Figure, empty_figure, escape_labels
from components.context import current_portal
from components.controls import csv_button, picker, section
from components.currency import currency_note
from components.drill import Axis, from_query, from_store, to_store
from components.drill_panel import drill_panel, register
from components.drill_panel import pid as drill_id
from components.export import current_viewer, export_download
from warehouse import analytics_queries as marts
from warehouse.engine import WarehouseError

logger = logging.getLogger(__name__)

PATH = "/analytics"
TITLE = "Analytics · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Analytics", order=2)  # type: ignore[no-untyped-call]

DEFAULT_DIMENSION = "region"
DEFAULT_KPI = "revenue"
DEFAULT_BASELINE: marts.Baseline = "previous_week"
TOP_DRIVERS = 10
ANOMALY_DAYS = 30
UNREADABLE = "The warehouse could not be read; try again shortly."
AFFINITY_LEVELS = {"category": "Categories", "product": "Products"}
TOP_PAIRS = 15


def _graph(graph_id: str) -> dcc.Loading:
    return dcc.Loading(
        dcc.Graph(id=graph_id, figure=empty_figure(""), config=GRAPH_CONFIG, className="chart"),
        type="dot",
        delay_show=300,
    )


def layout(**kwargs: Any) -> dbc.Container:
    if not may_open(current_role(), PATH):
        return dbc.Container(
            dbc.Alert(
                "Analytics is open to analysts, managers and administrators.",
                id=ids.ANALYTICS_DENIED,
                color="warning",
            ),
            fluid=True,
        )
    dimensions = picker(ids.ANALYTICS_DIMENSION, why.DIMENSION_LABELS, DEFAULT_DIMENSION)
    baselines = {
        "previous_week": "Week vs last week",
        "mean_4_weeks": "Week vs 4-week mean",
        "previous_4_weeks": "4 weeks vs the 4 before",
    }
    drivers = section(
        "Why did it change?",
        [
            picker(ids.ANALYTICS_KPI, why.KPI_LABELS, DEFAULT_KPI),
            html.P(id=ids.ANALYTICS_DRIVER_SENTENCE, className="driver-sentence mt-2"),
            dbc.Row(
                [
                    dbc.Col(dimensions, xs=12, lg=True, className="mb-2"),
                    dbc.Col(
                        picker(ids.ANALYTICS_BASELINE, baselines, DEFAULT_BASELINE),
                        xs=12,
                        lg="auto",
                        className="mb-2",
                    ),
                ],
                className="g-2",
            ),
            _graph(ids.ANALYTICS_DRIVER_GRAPH),
        ],
        actions=csv_button(ids.ANALYTICS_DRIVERS_CSV, ids.ANALYTICS_DRIVERS_DOWNLOAD, "Drivers CSV"),
    )
    budget = view.budget_section(
        ids.ANALYTICS_BUDGET_SUMMARY,
        ids.ANALYTICS_BUDGET,
        actions=csv_button(ids.ANALYTICS_BUDGET_CSV, ids.ANALYTICS_BUDGET_DOWNLOAD, "Budget CSV"),
    )
    return dbc.Container(
        [
            dcc.Store(id=ids.ANALYTICS_LOAD, data=0),
            html.H1("Analytics", className="page-title"),
            html.P(
                "From the analytics marts the pipeline rebuilds with every batch.",
                className="text-muted small",
            ),
            currency_note("analytics"),
            dbc.Alert(id=ids.ANALYTICS_ALERT, color="warning", is_open=False),
            drivers,
            section("Revenue drill-down", drill_panel(DRILL, from_query(kwargs, _today()))),
            dbc.Row(
                [
                    dbc.Col(
                        section("Growth", html.Div(id=ids.ANALYTICS_GROWTH)), xs=12, xl=6, className="d-flex"
                    ),
                    dbc.Col(
                        section(
                            f"Unusual days (last {ANOMALY_DAYS} days)", html.Div(id=ids.ANALYTICS_ANOMALIES)
                        ),
                        xs=12,
                        xl=6,
                        className="d-flex",
                    ),
                ]
            ),
            section(
                "RFM segments",
                rfm_drill.rfm_card_body(
                    DRILL, rfm_drill.segment_of(kwargs.get(rfm_drill.PARAM)), html.Div(id=ids.ANALYTICS_RFM)
                ),
            ),
            section(
                "Customer behaviour",
                [
                    html.P(
                        "Each row is the customers whose first order fell in that month (how many in brackets); "
                        "the last cell of a row is the month so far. Click a cell to drill the revenue charts "
                        "to that month.",
                        className="text-muted small mb-0",
                    ),
                    _graph(ids.ANALYTICS_COHORT_GRAPH),
                    dbc.Row(
                        [
                            dbc.Col(
                                rfm_drill.rfm_chart(DRILL, rfm_drill.segment_of(kwargs.get(c)), c),
                                xs=12,
                                lg=6,
                            )
                            for c in ("frequency", "recency")
                        ]
                    ),
                    html.P(
                        "Click a band to drill: band → region → rep → customer.",
                        className="text-muted small mb-0",
                    ),
                ],
            ),
            section(
                "Bought together",
                [
                    picker(ids.ANALYTICS_AFFINITY_LEVEL, AFFINITY_LEVELS, "category"),
                    html.P(
                        "Lift: how many times more often a pair shares an order than if each were bought on its own.",
                        className="text-muted small mt-2 mb-2",
                    ),
                    html.Div(id=ids.ANALYTICS_AFFINITY),
                ],
            ),
            budget,
            section("Price guidance", html.Div(id=ids.ANALYTICS_PRICE)),
        ],
        fluid=True,
        className="analytics-page",
    )


DRILL = "analytics"
register(DRILL, lambda: require(PATH))


def _today() -> dt.date:
    try:
        return current_portal().today() or dt.date.today()
    except WarehouseError:
        return dt.date.today()


for _chart in rfm_drill.CHARTS:
    rfm_drill.register(DRILL, _today, lambda: require(PATH), _chart)


@callback(
    Output(drill_id(DRILL, "state"), "data", allow_duplicate=True),
    Input(ids.ANALYTICS_DRIVER_GRAPH, "clickData"),
    State(ids.ANALYTICS_DIMENSION, "value"),
    State(drill_id(DRILL, "state"), "data"),
    prevent_initial_call=True,
)
def drill_from_driver(
    click: dict[str, Any] | None, dimension: str | None, data: dict[str, Any] | None
) -> Any:
    """A click on a region or category driver filters the drill-down charts to it (the cross-filter)."""
    require(PATH)
    points = (click or {}).get("points") or []
    dim = _dimension(dimension)
    if not points or dim not in ("region", "category"):
        raise PreventUpdate
    axis: Axis = "place" if dim == "region" else "product"
    member = html_text.unescape(str(points[0].get("y", "")))
    state = from_store(data, _today())
    return to_store(state.up(axis, 0).drill(axis, member))


@callback(
    Output(drill_id(DRILL, "state"), "data", allow_duplicate=True),
    Input(ids.ANALYTICS_COHORT_GRAPH, "clickData"),
    State(drill_id(DRILL, "state"), "data"),
    prevent_initial_call=True,
)
def drill_from_cohort(click: dict[str, Any] | None, data: dict[str, Any] | None) -> Any:
    """A click on a cohort cell drills the drill-down's time to that month (year → quarter → month)."""
    require(PATH)
    points = (click or {}).get("points") or []
    path = behaviour.time_path(str(points[0].get("customdata"))) if points else None
    if path is None:
        raise PreventUpdate
    state = from_store(data, _today()).up("time", 0)
    for value in path:
        state = state.drill("time", value)
    return to_store(state)


def _baseline(value: str | None) -> marts.Baseline:
    return next((b for b in marts.BASELINES if b == value), DEFAULT_BASELINE)


def _dimension(value: str | None) -> str:
    return value if value in marts.DRIVER_DIMENSIONS else DEFAULT_DIMENSION


def _kpi(value: str | None) -> str:
    return value if value in marts.DRIVER_KPIS else DEFAULT_KPI


@callback(
    Output(ids.ANALYTICS_DRIVER_SENTENCE, "children"),
    Output(ids.ANALYTICS_DRIVER_GRAPH, "figure"),
    Input(ids.ANALYTICS_KPI, "value"),
    Input(ids.ANALYTICS_DIMENSION, "value"),
    Input(ids.ANALYTICS_BASELINE, "value"),
)
def refresh_drivers(kpi: str | None, dimension: str | None, baseline: str | None) -> tuple[str, Figure]:
    """The driver sentence and the ranked contributions for the chosen KPI, dimension and baseline.

    Orders and average order value have no category drivers (one order can span categories).
    """
    require(PATH)
    measure, dim, base = _kpi(kpi), _dimension(dimension), _baseline(baseline)
    try:
        rows = marts.kpi_drivers(
            current_portal().warehouse, base, dimension=dim, top=TOP_DRIVERS, kpi=measure
        )
    except WarehouseError:
        logger.exception("analytics: drivers could not be read")
        return UNREADABLE, empty_figure("Data unavailable")
    if not rows and measure != "revenue" and dim == "category":
        label = why.KPI_LABELS[measure].lower()
        return f"No category drivers for {label}: one order can hold several categories.", empty_figure("")
    return why.driver_sentence(rows, base), escape_labels(why.drivers_figure(rows, dim))


@callback(
    Output(ids.ANALYTICS_GROWTH, "children"),
    Output(ids.ANALYTICS_ANOMALIES, "children"),
    Output(ids.ANALYTICS_RFM, "children"),
    Output(ids.ANALYTICS_BUDGET_SUMMARY, "children"),
    Output(ids.ANALYTICS_BUDGET, "children"),
    Output(ids.ANALYTICS_PRICE, "children"),
    Output(ids.ANALYTICS_ALERT, "children"),
    Output(ids.ANALYTICS_ALERT, "is_open"),
    Input(ids.ANALYTICS_LOAD, "data"),
)
def refresh_sections(_load: int | None) -> tuple[Any, ...]:
    """Growth, unusual days, RFM segments (the table; the chart drills, see ``components.rfm_drill``), budget
    and price guidance, read once when the page opens."""
    require(PATH)
    portal = current_portal()
    try:
        growth = marts.growth(portal.warehouse)
        today = portal.today() or dt.date.today()
        anomalies = marts.anomalies(portal.warehouse, today - dt.timedelta(days=ANOMALY_DAYS - 1), today)
        rfm = marts.rfm_segments(portal.warehouse)
        budget = marts.budget_allocation(portal.warehouse, "channel")
        prices = marts.price_guidance(portal.warehouse)
    except WarehouseError:
        logger.exception("analytics: marts could not be read")
        blank = html.P(UNREADABLE, className="text-muted mb-0")
        return blank, blank, blank, "", blank, blank, UNREADABLE, True
    empty = not (growth or rfm or budget or prices)
    return (
        view.growth_table(growth, "analytics-growth-table"),
        view.anomalies_table(anomalies, "analytics-anomalies-table"),
        view.rfm_table(rfm, "analytics-rfm-table"),
        *view.budget_parts(budget, "analytics-budget-table"),
        view.price_table(prices, "analytics-price-table"),
        view.NO_DATA if empty else "",
        empty,
    )


@callback(Output(ids.ANALYTICS_COHORT_GRAPH, "figure"), Input(ids.ANALYTICS_LOAD, "data"))
def refresh_behaviour(_load: int | None) -> Figure:
    """Cohort retention of the last 12 first-purchase months (the order-count and recency spreads drill, see
    ``components.rfm_drill``)."""
    require(PATH)
    try:
        cohorts = marts.cohort_retention(current_portal().warehouse)
    except WarehouseError:
        logger.exception("analytics: behaviour marts could not be read")
        return empty_figure("Data unavailable")
    return escape_labels(behaviour.cohort_figure(cohorts))


@callback(Output(ids.ANALYTICS_AFFINITY, "children"), Input(ids.ANALYTICS_AFFINITY_LEVEL, "value"))
def refresh_affinity(level: str | None) -> Any:
    """The category or product pairs bought together most beyond chance."""
    require(PATH)
    picked: marts.AffinityLevel = "product" if level == "product" else "category"
    try:
        pairs = marts.product_affinity(current_portal().warehouse, picked, TOP_PAIRS)
    except WarehouseError:
        logger.exception("analytics: affinity could not be read")
        return html.P(UNREADABLE, className="text-muted mb-0")
    return behaviour.affinity_table(pairs, "analytics-affinity-table")


@callback(
    Output(ids.ANALYTICS_DRIVERS_DOWNLOAD, "data"),
    Input(ids.ANALYTICS_DRIVERS_CSV, "n_clicks"),
    State(ids.ANALYTICS_KPI, "value"),
    State(ids.ANALYTICS_BASELINE, "value"),
    prevent_initial_call=True,
)
def download_drivers(_clicks: int, kpi: str | None, baseline: str | None) -> dict[str, Any]:
    """Every dimension's ranked drivers of the chosen KPI in the latest period against the baseline, as CSV."""
    require(PATH)
    measure, base = _kpi(kpi), _baseline(baseline)
    warehouse = current_portal().warehouse
    rows = marts.kpi_drivers(warehouse, base, top=marts.MAX_ROWS, kpi=measure)
    start = rows[0]["period_start"] if rows else None
    name = f"{measure.replace('_', '-')}-drivers-{start or 'none'}-{base}.csv"
    filters = {"kpi": measure, "baseline": base}
    return export_download(
        warehouse, current_viewer(), "drivers", rows, why.DRIVER_CSV_COLUMNS, name, filters
    )


@callback(
    Output(ids.ANALYTICS_BUDGET_DOWNLOAD, "data"),
    Input(ids.ANALYTICS_BUDGET_CSV, "n_clicks"),
    prevent_initial_call=True,
)
def download_budget(_clicks: int) -> dict[str, Any]:
    """The budget split per channel and per campaign, as CSV."""
    require(PATH)
    warehouse = current_portal().warehouse
    rows = marts.budget_allocation(warehouse, "channel") + marts.budget_allocation(warehouse, "campaign")
    return export_download(
        warehouse, current_viewer(), "budget", rows, view.BUDGET_CSV_COLUMNS, "budget-allocation.csv"
    )
