"""Builders for the quality rules and their stewardship items on the data-quality page.

Rules come from :func:`pipeline.quality.stewardship.trend` (every rule over the last batches) and items from
:func:`pipeline.quality.stewardship.issues`; stewards get the buttons that move an item along.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids

NO_RULES = (
    "No rule measured yet — every batch measures the data-quality rules once it has built the warehouse."
)
NO_ISSUES = "No failing rule has opened an item."
STATUS_COLOURS = {"open": "danger", "assigned": "warning", "resolved": "success", "waived": "secondary"}
ACTIONS = {  # status -> the buttons a steward gets
    "open": (("assign", "Assign to me"), ("resolve", "Resolve"), ("waive", "Waive")),
    "assigned": (("resolve", "Resolve"), ("waive", "Waive")),
    "resolved": (("reopen", "Reopen"),),
    "waived": (("reopen", "Reopen"),),
}


def _value(row: Mapping[str, Any]) -> str:
    value = row["value"]
    if value is None:
        return "—"
    return (
        f"{value:.1%}"
        if row["kind"] != "freshness" and row["rule"] != "revenue_reconciles"
        else f"{value:,.2f}"
    )


def rules_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """One row per rule: its latest value against its threshold, pass or fail, and the values of the last batches."""
    if not rows:
        return html.Div(html.P(NO_RULES, className="text-muted mb-0"), id=table_id)
    head = html.Thead(
        html.Tr(
            [
                html.Th("Rule"),
                html.Th("Kind", className="d-none d-md-table-cell"),
                html.Th("Dataset", className="d-none d-lg-table-cell"),
                html.Th("Latest", className="text-end"),
                html.Th("Threshold", className="text-end d-none d-sm-table-cell"),
                html.Th("Result"),
                html.Th("Last batches", className="d-none d-md-table-cell"),
            ]
        )
    )
    body = []
    ordered = sorted(rows, key=lambda r: (r["rule"], r["batch_id"]))
    for rule, group in groupby(ordered, key=lambda r: r["rule"]):
        history = list(group)
        latest = history[-1]
        passed = bool(latest["passed"])
        marks = " ".join("✓" if h["passed"] else "✗" for h in history)
        body.append(
            html.Tr(
                [
                    html.Td([html.Div(rule), html.Div(latest["detail"], className="small text-muted")]),
                    html.Td(latest["kind"], className="d-none d-md-table-cell"),
                    html.Td(latest["dataset"], className="d-none d-lg-table-cell"),
                    html.Td(_value(latest), className="text-end"),
                    html.Td(
                        _value({**latest, "value": latest["threshold"]}),
                        className="text-end d-none d-sm-table-cell",
                    ),
                    html.Td(dbc.Badge("pass" if passed else "fail", color="success" if passed else "danger")),
                    html.Td(marks, className="d-none d-md-table-cell", title="oldest first"),
                ],
                className=None if passed else "quality-rule-failing",
            )
        )
    table = dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0")
    return html.Div(table, id=table_id, className="table-responsive")


def issue_list(items: Sequence[Mapping[str, Any]], may_act: bool) -> list[Any]:
    """One card per item, active first; stewards get a comment box and the buttons its status allows."""
    if not items:
        return [html.P(NO_ISSUES, className="text-muted mb-0")]
    return [_issue_card(item, may_act) for item in items]


def _issue_card(item: Mapping[str, Any], may_act: bool) -> dbc.Card:
    issue_id = item["issue_id"]
    title = html.Div(
        [
            dbc.Badge(
                item["status"], color=STATUS_COLOURS.get(item["status"], "secondary"), className="me-2"
            ),
            html.Strong(f"#{issue_id} {item['rule']}"),
            html.Span(f" · {item['dataset']}", className="text-muted"),
            html.Span(f" · {item['assignee']}", className="text-muted") if item.get("assignee") else None,
        ]
    )
    history = html.Details(
        [
            html.Summary(f"History ({len(item['history'])})"),
            html.Ul(
                [
                    html.Li(
                        f"{h['at']:%d %b %Y %H:%M} {h['actor']}: {h['action']}"
                        + (f" — {h['comment']}" if h["comment"] else "")
                    )
                    for h in item["history"]
                ],
                className="small mb-0",
            ),
        ]
    )
    controls = None
    if may_act:
        buttons = [
            dbc.Button(label, id={"type": ids.QUALITY_ISSUE_ACT, "issue": issue_id, "action": action},
                       size="sm", color="primary" if action == "assign" else "secondary", className="me-2")
            for action, label in (*ACTIONS.get(item["status"], ()), ("comment", "Comment"))
        ]  # fmt: skip
        comment = dcc.Textarea(
            id={"type": ids.QUALITY_ISSUE_COMMENT, "issue": issue_id},
            placeholder="Comment (needed to resolve or waive)",
            className="form-control form-control-sm mb-2",
            style={"height": "3.5em"},
        )
        controls = html.Div([comment, html.Div(buttons)], className="mt-2")
    return dbc.Card(
        dbc.CardBody(
            [
                title,
                html.P(item["summary"], className="mb-1 mt-1"),
                html.P(
                    f"Opened {item['opened_at']:%d %b %Y %H:%M} by batch {item['opened_batch']}; "
                    f"last failed in batch {item['last_failed_batch']}.",
                    className="small text-muted mb-1",
                ),
                history,
                controls,
            ]
        ),
        className="mb-2",
        id=f"quality-issue-{issue_id}",
    )
