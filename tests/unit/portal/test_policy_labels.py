"""Chart labels never render markup: a campaign (or customer, product, category) name holding HTML shows
as the text it is, in the bar labels, the hover and the title."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from flask.testing import FlaskClient

from components.charts import escape_labels, revenue_by_figure
from components.format import plain
from tests.unit.portal.portal_data import call_callback
from tests.unit.portal.test_policy_data import (
    EVIL_CAMPAIGN,
    policy_app,
    policy_client,
    policy_warehouse,
    sign_in,
)
from warehouse.queries import SalesBreakdown

__all__ = ["policy_app", "policy_client", "policy_warehouse"]

ESCAPED = '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;'


def test_plain_turns_markup_into_entities_plotly_shows_as_text() -> None:
    assert plain(EVIL_CAMPAIGN) == ESCAPED
    assert plain("R&D <b>") == "R&amp;D &lt;b&gt;"


def test_a_campaign_named_with_a_link_shows_escaped_in_the_drivers_chart(policy_client: FlaskClient) -> None:
    sign_in(policy_client, "analyst")
    answer = call_callback(
        policy_client,
        [("analytics-driver-sentence", "children"), ("analytics-driver-graph", "figure")],
        [
            ("analytics-kpi", "value", "revenue"),
            ("analytics-dimension", "value", "campaign"),
            ("analytics-baseline", "value", "previous_week"),
        ],
    )
    assert answer.status_code == 200
    figure = answer.get_json()["response"]["analytics-driver-graph"]["figure"]
    labels = figure["data"][0]["y"]
    assert ESCAPED in labels and "Spring sale" in labels
    assert "<a href" not in json.dumps(figure["data"])
    assert "<br>" in figure["data"][0]["hovertemplate"]  # our own hover markup still works


def test_figures_built_from_warehouse_labels_escape_them() -> None:
    fig = go.Figure(
        revenue_by_figure([SalesBreakdown(EVIL_CAMPAIGN, 10.0, 1), SalesBreakdown("North", 5.0, 1)], "region")
    )
    assert list(fig.data[0].y) == ["North", ESCAPED]
    custom = escape_labels(
        go.Figure(
            go.Pie(labels=[EVIL_CAMPAIGN], values=[1], name="<i>x</i>"), layout={"title": {"text": "<b>"}}
        )
    )
    assert custom.data[0].labels == (ESCAPED,) and custom.data[0].name == "&lt;i&gt;x&lt;/i&gt;"
    assert custom.layout.title.text == "&lt;b&gt;"
