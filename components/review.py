"""The identity review queue's cards: two records side by side, differences marked, accept/reject buttons."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from warehouse.identity_review import FIELDS, ReviewPair, ReviewRecord

UNMARKED = frozenset({"entity"})  # a lead and a customer record differ in kind by design, not in identity


def decide_id(pair: ReviewPair, decision: str) -> dict[str, str]:
    """The pattern-matching id of a pair's accept or reject button."""
    return {
        "type": ids.REVIEW_DECIDE,
        "left": pair.left.record_id,
        "right": pair.right.record_id,
        "decision": decision,
    }


def _header(record: ReviewRecord) -> html.Th:
    customer = f"customer {record.customer_key}" if record.customer_key is not None else "no customer yet"
    return html.Th([html.Div(record.record_id), html.Div(customer, className="text-muted small fw-normal")])


def _cell(value: Any, differs: bool) -> html.Td:
    text = "" if value is None else str(value)
    return html.Td(text, className="review-differs" if differs else None)


def comparison_table(pair: ReviewPair) -> dbc.Table:
    """One row per field either record holds; cells that disagree are marked."""
    rows = []
    for name, label in FIELDS:
        a, b = pair.left.values.get(name), pair.right.values.get(name)
        if a is None and b is None:
            continue
        differs = (
            name not in UNMARKED
            and a is not None
            and b is not None
            and str(a).strip().casefold() != str(b).strip().casefold()
        )
        rows.append(html.Tr([html.Th(label, scope="row"), _cell(a, differs), _cell(b, differs)]))
    head = html.Thead(html.Tr([html.Th("Field"), _header(pair.left), _header(pair.right)]))
    return dbc.Table([head, html.Tbody(rows)], bordered=False, size="sm", className="review-table mb-2")


def review_card(pair: ReviewPair) -> dbc.Card:
    evidence = pair.match_key or ""
    if evidence.startswith("rule:"):
        evidence = f"same {evidence.removeprefix('rule:').replace('_', ' ')}"
    elif evidence:
        evidence = f"blocking rule {evidence}"
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.Span(f"Match probability {pair.probability:.3f}", className="fw-semibold"),
                        html.Span(evidence, className="text-muted small ms-2"),
                    ],
                    className="mb-2",
                ),
                comparison_table(pair),
                html.Div(
                    [
                        dbc.Button(
                            "Same customer",
                            id=decide_id(pair, "accepted"),
                            color="success",
                            size="sm",
                            n_clicks=0,
                        ),
                        dbc.Button(
                            "Different customers",
                            id=decide_id(pair, "rejected"),
                            color="secondary",
                            outline=True,
                            size="sm",
                            n_clicks=0,
                            className="ms-2",
                        ),
                    ]
                ),
            ]
        ),
        className="review-card mb-3",
    )


def review_list(pairs: list[ReviewPair]) -> list[Any]:
    if not pairs:
        return [html.P("No pairs wait for review.", className="text-muted")]
    return [review_card(p) for p in pairs]
