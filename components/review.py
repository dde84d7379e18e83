"""The steward's review queue: one pair at a time (two records side by side, differences marked), the page's
queue beside it, filters, keyboard shortcuts (``assets/review_keys.js``) and bulk decisions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Final

import dash_bootstrap_components as dbc
from dash import html

from warehouse.identity_review import FIELDS, RULE_PREFIX, ReviewPair, ReviewRecord

UNMARKED = frozenset({"entity"})  # a lead and a customer record differ in kind by design, not in identity

# Component ids of the queue (the keyboard script clicks the buttons by these ids).
SOURCE: Final = "review-source"
BAND: Final = "review-band"
KIND: Final = "review-kind"
ORDER: Final = "review-order"
PAGES: Final = "review-pages"
PAIRS: Final = "review-pairs"  # store: the pairs of the page shown, and which filter and page they are
POSITION: Final = "review-position"  # store: {"key": the pairs' filter and page, "index": the pair shown}
QUEUE: Final = "review-queue"
ACCEPT: Final = "review-accept"
REJECT: Final = "review-reject"
SKIP: Final = "review-skip"
NEXT: Final = "review-next"
PREVIOUS: Final = "review-previous"
BULK_ACCEPT: Final = "review-bulk-accept"
BULK_REJECT: Final = "review-bulk-reject"

#: Keys and what they do, shown on the page and wired in ``assets/review_keys.js``.
SHORTCUTS: Final = (
    ("a", "same customer"),
    ("r", "different customers"),
    ("s", "skip"),
    ("j", "next"),
    ("k", "previous"),
)
BAND_LABELS: Final = {
    "certain": "Certain (≥ 0.999)",
    "likely": "Likely (0.98–0.999)",
    "doubtful": "Doubtful (< 0.98)",
}
KIND_LABELS: Final = {"rule": "Exact rule (same e-mail, phone)", "scored": "Matcher score"}
ORDER_LABELS: Final = {"uncertain": "Most uncertain first", "likely": "Most likely first"}
ANY: Final = "all"


def pair_data(pair: ReviewPair) -> dict[str, Any]:
    """A pair as JSON-ready data for a ``dcc.Store``."""
    return asdict(pair)


def pair_from_data(data: dict[str, Any]) -> ReviewPair:
    def record(d: dict[str, Any]) -> ReviewRecord:
        return ReviewRecord(
            d["record_id"], d["source"], d["source_key"], d["customer_key"], dict(d["values"])
        )

    return ReviewPair(
        record(data["left"]), record(data["right"]), float(data["probability"]), data["match_key"]
    )


def evidence(pair: ReviewPair) -> str:
    """Why the pair was found, in words."""
    key = pair.match_key or ""
    if key.startswith(RULE_PREFIX):
        return f"same {key.removeprefix(RULE_PREFIX).replace('_', ' ')}"
    return f"blocking rule {key}" if key else ""


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
    return dbc.Table(
        [head, html.Tbody(rows)], bordered=False, size="sm", responsive=True, className="review-table mb-2"
    )


def _key(letter: str) -> html.Kbd:
    return html.Kbd(letter, className="ms-1 review-key")


def decision_buttons(disabled: bool) -> html.Div:
    """Decide, skip or move; each names its key."""
    return html.Div(
        [
            dbc.Button(
                ["Same customer", _key("a")], id=ACCEPT, color="success", size="sm", disabled=disabled
            ),
            dbc.Button(
                ["Different customers", _key("r")], id=REJECT, color="secondary", size="sm", disabled=disabled
            ),
            dbc.Button(["Skip", _key("s")], id=SKIP, color="light", size="sm", disabled=disabled),
            dbc.Button(["Previous", _key("k")], id=PREVIOUS, color="light", size="sm", disabled=disabled),
            dbc.Button(["Next", _key("j")], id=NEXT, color="light", size="sm", disabled=disabled),
        ],
        className="review-buttons d-flex flex-wrap gap-2",
    )


def review_card(pair: ReviewPair, index: int, shown: int) -> dbc.Card:
    """The pair in front of the steward."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.Span(f"Match probability {pair.probability:.3f}", className="fw-semibold"),
                        html.Span(evidence(pair), className="text-muted small ms-2"),
                        html.Span(
                            f"pair {index + 1} of {shown} on this page", className="text-muted small ms-2"
                        ),
                    ],
                    className="mb-2",
                ),
                comparison_table(pair),
            ]
        ),
        className="review-card mb-3",
    )


def _name(record: ReviewRecord) -> str:
    values = record.values
    return str(values.get("company_name") or values.get("display_name") or record.record_id)


def queue_list(pairs: list[ReviewPair], index: int) -> html.Ol:
    """The page's pairs in queue order, the one shown marked."""
    items = [
        html.Li(
            [
                html.Span(f"{p.probability:.3f}", className="review-queue-score me-2"),
                html.Span(f"{_name(p.left)} / {_name(p.right)}"),
            ],
            className="review-queue-item" + (" active" if n == index else ""),
        )
        for n, p in enumerate(pairs)
    ]
    return html.Ol(items, className="review-queue list-unstyled small mb-0")


def empty_queue() -> html.P:
    return html.P("No pairs wait for review.", className="text-muted review-empty")


def shortcuts_hint() -> html.P:
    parts: list[Any] = ["Keys: "]
    for n, (letter, meaning) in enumerate(SHORTCUTS):
        parts += [html.Kbd(letter), f" {meaning}" + (" · " if n < len(SHORTCUTS) - 1 else "")]
    return html.P(parts, className="text-muted small review-shortcuts")


def _select(component_id: str, labels: dict[str, str], everything: str | None, value: str) -> dbc.Select:
    options = ([{"label": everything, "value": ANY}] if everything else []) + [
        {"label": label, "value": key} for key, label in labels.items()
    ]
    return dbc.Select(id=component_id, options=options, value=value, size="sm")


def filters(sources: list[str]) -> dbc.Row:
    """Source, score band, kind of evidence and order of the queue."""
    columns = [
        ("Source", _select(SOURCE, {s: s for s in sources}, "All sources", ANY)),
        ("Score", _select(BAND, BAND_LABELS, "All scores", ANY)),
        ("Evidence", _select(KIND, KIND_LABELS, "Any evidence", ANY)),
        ("Order", _select(ORDER, ORDER_LABELS, None, "uncertain")),
    ]
    return dbc.Row(
        [
            dbc.Col([dbc.Label(label, html_for=control.id, className="small mb-0"), control], xs=6, md=3)
            for label, control in columns
        ],
        className="g-2 mb-3 review-filters",
    )


def bulk_buttons() -> html.Div:
    """Bulk decisions on the page shown: meant for a clear band (filter first)."""
    return html.Div(
        [
            html.Span("Clear cases on this page:", className="small text-muted me-2"),
            dbc.Button("Accept all shown", id=BULK_ACCEPT, color="success", outline=True, size="sm"),
            dbc.Button(
                "Reject all shown",
                id=BULK_REJECT,
                color="secondary",
                outline=True,
                size="sm",
                className="ms-2",
            ),
        ],
        className="review-bulk mt-2",
    )
