"""The Analytics page's RFM chart drills segment → region → rep → customer: each step's bars add up to the
bar clicked, a region step drills the page's drill panel too (its charts filter to that region), the
breadcrumbs step back, and the segment goes into the address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
from flask.testing import FlaskClient

from components.drill import DrillState, to_store
from components.drill_panel import pid
from components.rfm_drill import after_click, after_crumb, filters, level, rid, trail
from tests.unit.portal.portal_data import build_portal_warehouse, call_callback, sign_in
from warehouse.policy import Viewer
from warehouse.rfm_drill import RfmFilters, rfm_breakdown

MARCH = DrillState(dt.date(2025, 3, 1), dt.date(2025, 3, 12))
STATE, PATH, GRAPH = pid("analytics", "state"), rid("analytics", "path"), rid("analytics", "graph")
MANAGER = Viewer("manager", "manager")


def spend(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {r["label"]: r["revenue"] for r in rows}


def test_each_step_adds_up_to_the_bar_above_on_both_warehouses(warehouse_url: str) -> None:
    warehouse = build_portal_warehouse(warehouse_url)
    try:
        segments = spend(rfm_breakdown(warehouse, "segment", RfmFilters(), MANAGER))
        assert segments == {"Champions": 165_000.0, "Hibernating": 155_000.0, "At risk": 145_000.0}
        champions = RfmFilters(segment="Champions")
        assert spend(rfm_breakdown(warehouse, "region", champions, MANAGER)) == {"London": 165_000.0}
        reps = spend(rfm_breakdown(warehouse, "rep", RfmFilters("Champions", "London"), MANAGER))
        assert reps == {"Alice Brown": 90_000.0, "Bob Singh": 75_000.0}
        customers = rfm_breakdown(
            warehouse, "customer", RfmFilters("Champions", "London", "Bob Singh"), MANAGER
        )
        assert [(r["key"], r["label"], r["revenue"]) for r in customers][:2] == [
            ("27", "Customer 27", 27_000.0),
            ("21", "Customer 21", 21_000.0),
        ]
        assert sum(r["revenue"] for r in customers) == 75_000.0
        # A scoped reader sees only their own customers' spend, even in the segments.
        rep = Viewer("alice", "sales_rep", rep_key=1)  # Alice Brown
        assert spend(rfm_breakdown(warehouse, "segment", RfmFilters(), rep))["Champions"] == 90_000.0
    finally:
        warehouse.engine.dispose()


def test_the_drill_steps_and_breadcrumbs() -> None:
    assert [level(None, ()), level("At risk", ()), level("At risk", ("North West",))] == [
        "segment",
        "region",
        "rep",
    ]
    assert level("At risk", ("North West", "Bob Singh", "4")) == "customer"
    segment, state = after_click(None, MARCH, "At risk")
    assert segment == "At risk" and state == MARCH  # picking a segment leaves the panel as it was
    segment, state = after_click(segment, state, "North West")
    assert state.place == ("North West",)  # a region drills the panel as well
    assert trail(segment, state.place, {}) == [(0, "All segments"), (1, "At risk"), (2, "North West")]
    assert after_crumb(segment, state, 1) == ("At risk", MARCH)
    assert after_crumb(segment, state, 0) == (None, state)


def render(client: FlaskClient, segment: str | None, state: DrillState) -> dict[str, Any]:
    outputs = [(GRAPH, "figure"), (rid("analytics", "crumbs"), "children")]
    answer = call_callback(
        client, outputs, [(PATH, "data", {"segment": segment}), (STATE, "data", to_store(state))]
    )
    assert answer.status_code == 200, answer.data[:300]
    return answer.json["response"]  # type: ignore[no-any-return]


def bars(response: dict[str, Any]) -> dict[str, float]:
    trace = go.Figure(response[GRAPH]["figure"]).data[0]
    return dict(zip(trace.y, trace.x, strict=True))


def click(client: FlaskClient, segment: str | None, state: DrillState, key: str) -> Any:
    deps = client.get("/_dash-dependencies").json
    output = next(d["output"] for d in deps if d["output"].startswith(f"..{PATH}.data"))
    outputs = [
        {"id": i, "property": p.split("@")[0]}
        for i, p in (o.split(".", 1) for o in output.strip(".").split("..."))
    ]
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": [
            {"id": GRAPH, "property": "clickData", "value": {"points": [{"customdata": [key, 1]}]}},
            [],
        ],
        "changedPropIds": [f"{GRAPH}.clickData"],
        "state": [
            {"id": PATH, "property": "data", "value": {"segment": segment}},
            {"id": STATE, "property": "data", "value": to_store(state)},
        ],
    }
    return client.post("/_dash-update-component", json=body)


def test_an_analyst_drills_a_segment_to_a_region_which_filters_the_panel(client: FlaskClient) -> None:
    assert sign_in(client, "analyst").status_code == 303
    top = render(client, None, MARCH)
    assert bars(top) == {"At risk": 145_000.0, "Hibernating": 155_000.0, "Champions": 165_000.0}
    picked = click(client, None, MARCH, "Champions")
    assert picked.status_code == 200, picked.data[:300]
    assert picked.json["response"][PATH]["data"] == {"segment": "Champions"}
    assert STATE not in picked.json["response"]  # the panel is left as it was
    assert bars(render(client, "Champions", MARCH)) == {"London": 165_000.0}
    drilled = click(client, "Champions", MARCH, "London").json["response"]
    assert drilled[STATE]["data"]["place"] == ["London"]  # the drill panel's charts filter to London
    london = MARCH.drill("place", "London")
    shown = render(client, "Champions", london)
    assert bars(shown) == {"Bob Singh": 75_000.0, "Alice Brown": 90_000.0}
    assert "All segments" in str(shown[rid("analytics", "crumbs")]["children"])


def test_a_sales_rep_cannot_drill_the_analytics_rfm_chart(client: FlaskClient) -> None:
    assert sign_in(client, "sales_rep").status_code == 303
    outputs = [(GRAPH, "figure"), (rid("analytics", "crumbs"), "children")]
    answer = call_callback(
        client, outputs, [(PATH, "data", {"segment": None}), (STATE, "data", to_store(MARCH))]
    )
    assert answer.status_code in (204, 403)


def test_order_count_bands_drill_to_places_and_follow_the_panels_place(warehouse_url: str) -> None:
    warehouse = build_portal_warehouse(warehouse_url)
    try:
        london = rfm_breakdown(warehouse, "frequency", filters(None, ("London",), "frequency"), MANAGER)
        assert [(r["key"], r["customers"]) for r in london] == [
            ("3-4", 1),
            ("5-9", 2),
            ("10-19", 3),
            ("20+", 4),
        ]
        tens = filters("10-19", (), "frequency")
        assert tens.band == ("frequency", 10, 20)
        regions = {r["label"]: r["customers"] for r in rfm_breakdown(warehouse, "region", tens, MANAGER)}
        assert regions == {"North West": 4, "London": 3, "Scotland": 3}
        recent = rfm_breakdown(warehouse, "recency", RfmFilters(), MANAGER)
        assert [(r["key"], r["customers"]) for r in recent] == [("0-29", 29), ("30-59", 1)]
    finally:
        warehouse.engine.dispose()
    assert trail("10-19", ("London",), {}, "frequency") == [
        (0, "All order counts"),
        (1, "10-19 orders"),
        (2, "London"),
    ]
    assert level("10-19", (), "frequency") == "region" and level(None, (), "recency") == "recency"
