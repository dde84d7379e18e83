"""Builders for the held deletions on the data-quality page: what a batch would have deleted, and why it waits.

Rows come from :func:`pipeline.deletions.holds`; stewards get a button to apply and one to keep the records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components import ids

NO_HOLDS = "No deletions wait for approval."
DECISIONS = {"approved": "applied", "discarded": "kept the records", "returned": "the records came back"}


def _hold_card(hold: Mapping[str, Any], may_decide: bool) -> dbc.Card:
    title = f"{hold['source']} · {hold['entity']}: {hold['records']:,} of {hold['live_records']:,} records"
    buttons = (
        html.Div(
            [
                _button(hold, True, "Apply the deletions", "danger", "me-2"),
                _button(hold, False, "Keep the records", "secondary", ""),
            ],
            className="mt-2",
        )
        if may_decide
        else None
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3(title, className="h6 mb-1"),
                html.P(
                    f"Held by batch {hold['batch_id']} on {hold['created_at']:%d %b %Y %H:%M}: {hold['reason']}.",
                    className="mb-1",
                ),
                html.Details(
                    [html.Summary("What the batch read"), html.Pre(hold["evidence"], className="small mb-0")]
                ),
                buttons,
            ]
        ),
        className="mb-2",
        id=f"quality-hold-{hold['hold_id']}",
    )


def _button(hold: Mapping[str, Any], approve: bool, label: str, color: str, class_name: str) -> dbc.Button:
    button_id = {"type": ids.QUALITY_HOLD_DECIDE, "hold": hold["hold_id"], "approve": approve}
    return dbc.Button(label, id=button_id, color=color, size="sm", className=class_name)


def held_list(holds: Sequence[Mapping[str, Any]], may_decide: bool) -> list[Any]:
    """One card per hold that waits, then the last decisions."""
    waiting = [h for h in holds if h["status"] == "held"]
    decided = [h for h in holds if h["status"] != "held"][:10]
    body: list[Any] = [_hold_card(h, may_decide) for h in waiting] or [
        html.P(NO_HOLDS, className="text-muted")
    ]
    if decided:
        body.append(html.H3("Decided", className="h6 mt-3"))
        body.append(
            html.Ul(
                [
                    html.Li(
                        f"Hold {h['hold_id']} ({h['source']} {h['entity']}, {h['records']:,} records): "
                        f"{DECISIONS.get(h['status'], h['status'])}"
                        + (f" by {h['decided_by']}" if h["decided_by"] else "")
                        + (f" on {h['decided_at']:%d %b %Y %H:%M}" if h["decided_at"] else "")
                    )
                    for h in decided
                ],
                className="small",
            )
        )
    return body
