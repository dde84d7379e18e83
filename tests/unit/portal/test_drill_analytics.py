"""The drill-down on Analytics: its own panel, and a click on a region driver filtering it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
from flask.testing import FlaskClient

from components import behaviour, ids
from components.drill import DrillState, to_store
from components.drill_panel import pid
from tests.unit.portal.portal_data import call_callback, sign_in
from tests.unit.portal.test_portal_behaviour import COHORTS

MARCH = DrillState(dt.date(2025, 3, 1), dt.date(2025, 3, 12))
STATE = pid("analytics", "state")


def driver_click_output(client: FlaskClient) -> str:
    """The id Dash gives the driver click's output (a second writer of the drill state)."""
    deps = client.get("/_dash-dependencies").json
    return next(
        d["output"]
        for d in deps
        if d["output"].startswith(f"{STATE}.data@")
        and any(i["id"] == ids.ANALYTICS_DRIVER_GRAPH for i in d["inputs"])
    )


def click_driver(client: FlaskClient, dimension: str, member: str) -> dict[str, object]:
    output = driver_click_output(client)
    body = {
        "output": output,
        "outputs": {"id": STATE, "property": output.split(".", 1)[1]},
        "inputs": [
            {"id": ids.ANALYTICS_DRIVER_GRAPH, "property": "clickData", "value": {"points": [{"y": member}]}}
        ],
        "changedPropIds": [f"{ids.ANALYTICS_DRIVER_GRAPH}.clickData"],
        "state": [
            {"id": ids.ANALYTICS_DIMENSION, "property": "value", "value": dimension},
            {"id": STATE, "property": "data", "value": to_store(MARCH.drill("product", "Lighting"))},
        ],
    }
    return client.post("/_dash-update-component", json=body)  # type: ignore[return-value]


def test_a_click_on_a_region_driver_filters_the_drill_down(client: FlaskClient) -> None:
    assert sign_in(client, "analyst").status_code == 303
    answer = click_driver(client, "region", "North West")
    assert answer.status_code == 200, answer.data[:300]  # type: ignore[attr-defined]
    data = answer.json["response"][STATE]["data"]  # type: ignore[attr-defined]
    assert data["place"] == ["North West"] and data["product"] == ["Lighting"]
    outputs = [(pid("analytics", f"{axis}-graph"), "figure") for axis in ("time", "place", "product")]
    outputs += [(pid("analytics", f"{axis}-crumbs"), "children") for axis in ("time", "place", "product")]
    outputs += [(pid("analytics", "summary"), "children"), (pid("analytics", "query"), "data")]
    rendered = call_callback(client, outputs, [(STATE, "data", data)])
    assert rendered.status_code == 200
    summary = rendered.json["response"][pid("analytics", "summary")]["children"]
    assert summary.startswith("Revenue £2,400 · 24 orders")  # North West: 12 days × £200, 2 orders a day
    assert click_driver(client, "segment", "Retail").status_code == 204  # no drill for segments


def test_a_sales_rep_gets_nothing_from_the_analytics_drill_down(client: FlaskClient) -> None:
    assert sign_in(client, "sales_rep").status_code == 303
    assert click_driver(client, "region", "London").status_code == 204


def click_cohort(client: FlaskClient, cell: str) -> Any:
    deps = client.get("/_dash-dependencies").json
    output = next(
        d["output"]
        for d in deps
        if d["output"].startswith(f"{STATE}.data@")
        and any(i["id"] == ids.ANALYTICS_COHORT_GRAPH for i in d["inputs"])
    )
    body = {
        "output": output,
        "outputs": {"id": STATE, "property": output.split(".", 1)[1]},
        "inputs": [
            {
                "id": ids.ANALYTICS_COHORT_GRAPH,
                "property": "clickData",
                "value": {"points": [{"customdata": cell}]},
            }
        ],
        "changedPropIds": [f"{ids.ANALYTICS_COHORT_GRAPH}.clickData"],
        "state": [{"id": STATE, "property": "data", "value": to_store(MARCH.drill("time", "2024"))}],
    }
    return client.post("/_dash-update-component", json=body)


def test_a_click_on_a_cohort_cell_drills_the_charts_to_the_month_it_shows(client: FlaskClient) -> None:
    cohort = go.Figure(behaviour.cohort_figure(COHORTS)).data[0]
    assert [list(row) for row in cohort.customdata][2] == [
        "2025-01",
        "2025-02",
        "2025-03",
    ]  # Jan's row: +0, +1, +2
    assert (
        behaviour.time_path("2025-03") == ("2025", "2025-Q1", "2025-03") and behaviour.time_path("x") is None
    )
    assert sign_in(client, "analyst").status_code == 303
    answer = click_cohort(client, "2025-02")
    assert answer.status_code == 200, answer.data[:300]  # type: ignore[attr-defined]
    assert answer.json["response"][STATE]["data"]["time"] == ["2025", "2025-Q1", "2025-02"]  # type: ignore[attr-defined]
    assert click_cohort(client, "not a month").status_code == 204
