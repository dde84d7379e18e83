"""The Actions and Analytics pages read summaries the batch builds, and say what grouping every row said."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse import action_queries as q
from warehouse import analytics_queries
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.privacy.consent import record_consent

SCOPES = [
    q.ActionScope(),
    q.ActionScope(rep_key=1),
    q.ActionScope(rep_key=2, action="thank_you"),
    q.ActionScope(region="London"),
    q.ActionScope(rfm_segment="Loyal"),
    q.ActionScope(spend="high"),
    q.ActionScope(rep_key=1, region="London", spend="low"),
    q.ActionScope(viewer=Viewer("sam", "sales_rep", rep_key=2)),
    q.ActionScope(viewer=Viewer("mo", "manager"), spend="middle"),
    q.ActionScope(viewer=Viewer("nobody", "sales_rep")),
]


def grouped(warehouse: Warehouse, scope: q.ActionScope) -> list[tuple[str, int, float]]:
    """What the page showed when it grouped every score per request."""
    return [
        (r["action"], int(r["customers"]), round(float(r["value"] or 0), 2))
        for r in warehouse.rows(q.action_summary_query(scope))
    ]


def summarised(warehouse: Warehouse, scope: q.ActionScope) -> list[tuple[str, int, float]]:
    return [(r["action"], r["customers"], r["value"]) for r in q.action_summary(warehouse, scope)]


@pytest.fixture()
def portal(warehouse_url: str) -> Warehouse:
    return build_portal_warehouse(warehouse_url)


def test_every_scope_sums_to_what_grouping_the_scores_gave(portal: Warehouse) -> None:
    for scope in SCOPES:
        assert summarised(portal, scope) == grouped(portal, scope), scope
    assert sum(r[1] for r in summarised(portal, SCOPES[0])) > 20
    assert summarised(portal, SCOPES[-1]) == []


def test_a_customer_who_opts_out_leaves_the_summary_at_once(portal: Warehouse) -> None:
    before = {r[0]: r[1] for r in summarised(portal, q.ActionScope(rep_key=1))}
    action = portal.rows(q.actions_query(q.ActionScope(rep_key=1), 0, 1))[0]
    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    record_consent(portal, action["customer_key"], "profiling", False, "steward", now=lambda: at)
    after = {r[0]: r[1] for r in summarised(portal, q.ActionScope(rep_key=1))}
    assert after.get(action["next_best_action"], 0) == before[action["next_best_action"]] - 1
    for scope in SCOPES:  # no rebuild: the mart still counts them, the read takes them off
        assert summarised(portal, scope) == grouped(portal, scope), scope


def test_the_rfm_segments_read_from_the_summary_match_grouping_every_buyer(portal: Warehouse) -> None:
    def plain(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [
            (
                r["segment"],
                int(r["customers"]),
                *(round(float(r[c]), 2) for c in ("recency_days", "frequency", "monetary")),
            )  # type: ignore[arg-type]
            for r in rows
        ]

    segments = analytics_queries.rfm_segments(portal)
    assert len(segments) >= 3
    assert plain(segments) == plain(portal.rows(analytics_queries.rfm_segments_query()))
