"""The Analytics page's customer-behaviour sections: the cohort heatmap's layout, the order-count and
recency spreads in bin order, the bought-together table, the marts' queries on a small warehouse, and who
may read them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from flask.testing import FlaskClient

from app import create_app
from components import behaviour as view
from components import ids
from tests.unit.portal.portal_data import (
    build_portal_warehouse,
    call_callback,
    portal_settings,
    sign_in,
)
from tests.unit.portal.test_portal_analytics import texts
from warehouse import analytics_queries as marts
from warehouse.engine import insert_rows
from warehouse.schema import mart_cohort_retention, mart_product_affinity, mart_purchase_distribution

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
COHORTS = [
    {
        "cohort_month": JAN,
        "months_since_first": 0,
        "cohort_size": 10,
        "active_customers": 10,
        "retention": 1.0,
    },
    {
        "cohort_month": JAN,
        "months_since_first": 1,
        "cohort_size": 10,
        "active_customers": 4,
        "retention": 0.4,
    },
    {
        "cohort_month": JAN,
        "months_since_first": 2,
        "cohort_size": 10,
        "active_customers": 3,
        "retention": 0.3,
    },
    {"cohort_month": FEB, "months_since_first": 0, "cohort_size": 5, "active_customers": 5, "retention": 1.0},
    {"cohort_month": FEB, "months_since_first": 1, "cohort_size": 5, "active_customers": 1, "retention": 0.2},
    {"cohort_month": MAR, "months_since_first": 0, "cohort_size": 8, "active_customers": 8, "retention": 1.0},
]


def spread(measure: str, bins: list[tuple[int, str, int]]) -> list[dict[str, Any]]:
    total = sum(n for _, _, n in bins)
    return [
        {"measure": measure, "bin_order": o, "bin": b, "customers": n, "share": n / total} for o, b, n in bins
    ]


SPREAD = spread("frequency", [(2, "2", 30), (1, "1", 50), (3, "3-4", 20)]) + spread(
    "recency", [(1, "0-29", 7)]
)


def pair(a: str, b: str, orders: int, lift: float, level: str = "category") -> dict[str, Any]:
    return {"level": level, "item_a": a, "item_b": b, "orders": orders, "support": 0.1,
            "confidence_a_b": 0.25, "confidence_b_a": 0.5, "lift": lift}  # fmt: skip


PAIRS = [
    pair("Breakroom", "Office Supplies", 40, 1.1),
    pair("Electrical", "Safety & PPE", 20, 1.3),
    pair("Tape", "Boxes", 6, 4.2, level="product"),
]


def test_the_cohort_heatmap_puts_the_newest_month_on_top_and_leaves_months_not_reached_blank() -> None:
    heat = go.Figure(view.cohort_figure(COHORTS)).data[0]
    assert list(heat.y) == ["Mar 2025 (8)", "Feb 2025 (5)", "Jan 2025 (10)"]
    assert list(heat.x) == [0, 1, 2]
    assert [list(row) for row in heat.z] == [[1.0, None, None], [1.0, 0.2, None], [1.0, 0.4, 0.3]]
    assert [list(row) for row in heat.text][2] == ["100%", "40%", "30%"]


def test_the_spreads_follow_bin_order_not_row_order() -> None:
    bars = go.Figure(view.distribution_figure(SPREAD, "frequency")).data[0]
    assert list(bars.x) == ["1", "2", "3-4"] and list(bars.y) == [50, 30, 20]
    assert (
        go.Figure(view.distribution_figure(SPREAD, "recency")).layout.title.text
        == view.DISTRIBUTION_TITLES["recency"]
    )
    assert (
        go.Figure(view.distribution_figure([], "frequency")).layout.annotations[0].text
        == "No data yet — run the pipeline"
    )


def test_the_bought_together_table_reads_both_directions_and_lift() -> None:
    assert texts(view.affinity_table(PAIRS[:1], "t"))[6:] == [
        "Breakroom",
        "Office Supplies",
        "40",
        "25%",
        "50%",
        "1.10×",
    ]


def test_the_marts_are_read_latest_cohorts_and_highest_lift_first(tmp_path: Path) -> None:
    warehouse = build_portal_warehouse(tmp_path / "behaviour.db")
    with warehouse.begin() as conn:
        insert_rows(conn, mart_cohort_retention, COHORTS)
        insert_rows(conn, mart_product_affinity, PAIRS)
        insert_rows(conn, mart_purchase_distribution, SPREAD)
    assert {r["cohort_month"] for r in marts.cohort_retention(warehouse, cohorts=2)} == {FEB, MAR}
    assert [r["item_a"] for r in marts.product_affinity(warehouse, "category")] == ["Electrical", "Breakroom"]
    assert [r["item_a"] for r in marts.product_affinity(warehouse, "product")] == ["Tape"]
    assert [(r["measure"], r["bin"]) for r in marts.purchase_distribution(warehouse)][:3] == [
        ("frequency", "1"), ("frequency", "2"), ("frequency", "3-4")
    ]  # fmt: skip

    client: FlaskClient = create_app(portal_settings(tmp_path), warehouse).server.test_client()
    assert sign_in(client, "analyst").status_code == 303
    answer = call_callback(
        client, [(ids.ANALYTICS_AFFINITY, "children")], [(ids.ANALYTICS_AFFINITY_LEVEL, "value", "product")]
    )
    assert "Tape" in str(answer.get_json()["response"]) and "Breakroom" not in str(
        answer.get_json()["response"]
    )
    client.get("/logout")
    assert sign_in(client, "sales_rep").status_code == 303
    assert (
        call_callback(
            client,
            [(ids.ANALYTICS_AFFINITY, "children")],
            [(ids.ANALYTICS_AFFINITY_LEVEL, "value", "product")],
        ).status_code
        == 204
    )
