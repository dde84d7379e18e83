"""How each model was chosen, as the Models page shows it: per model, a sentence and a table of every
candidate's figure at every rolling origin, with the mean, the baseline and the chosen one marked."""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.controls import section
from warehouse.model_queries import METRIC_NAMES, ModelChoice

logger = logging.getLogger(__name__)


def _figure(value: float, metric: str) -> str:
    return f"{value:.1f} %" if metric == "wape" else f"{value:.3f}"


def choice_sentence(choice: ModelChoice) -> str:
    """E.g. "v3 is logistic, chosen by its mean AUC over 4 rolling origins inside its training data"."""
    if not choice.candidates:
        return f"v{choice.version} is {choice.algorithm}; it was trained before each candidate's figures were kept."
    origins = len(choice.cutoffs())
    chosen = choice.chosen or choice.algorithm
    if choice.method == "rolling origins":
        how = f"chosen by its mean {choice.metric.upper()} over {origins} rolling origins inside its training data"
    elif choice.method == "only candidate":
        how = f"the only candidate ({choice.note})" if choice.note else "the only candidate"
    else:
        how = (
            f"chosen on the single holdout ({choice.note})" if choice.note else "chosen on the single holdout"
        )
    sentence = f"v{choice.version} is {chosen}, {how}."
    if choice.method == "rolling origins" and choice.note:
        sentence += f" {choice.note[:1].upper()}{choice.note[1:]}."
    return sentence


def choice_table(choice: ModelChoice) -> Any:
    """One row per candidate: its figure at each origin (cut-off date, rows scored) and the mean."""
    cutoffs = choice.cutoffs()
    header = html.Thead(
        html.Tr(
            [
                html.Th("Candidate"),
                *[html.Th(f"from {c}") for c in cutoffs],
                html.Th("Mean", className="text-end"),
            ]
        )
    )
    rows = []
    for candidate in choice.candidates:
        marks = [" (baseline)" if candidate.baseline else "", " ✓ chosen" if candidate.chosen else ""]
        at = {o.cutoff: o for o in candidate.origins}
        cells = [
            html.Td(
                [
                    _figure(at[c].value, choice.metric),
                    html.Span(f" {at[c].rows:,} rows", className="text-muted small"),
                ]
                if c in at
                else "—"
            )
            for c in cutoffs
        ]
        rows.append(
            html.Tr(
                [
                    html.Td(candidate.algorithm + "".join(marks)),
                    *cells,
                    html.Td(_figure(candidate.mean, choice.metric), className="text-end fw-semibold"),
                ],
                className="table-active" if candidate.chosen else "",
            )
        )
    return dbc.Table([header, html.Tbody(rows)], bordered=False, hover=True, responsive=True, size="sm")


def choice_section(choice: ModelChoice) -> dbc.Card:
    """A card for one model: the sentence, the table and what the metric and the rule are."""
    body: list[Any] = [html.P(choice_sentence(choice), className="driver-sentence")]
    if choice.candidates:
        body.append(choice_table(choice))
        metric = METRIC_NAMES.get(choice.metric, choice.metric)
        body.append(html.P(f"Metric: {metric}. Rule: {choice.rule}.", className="text-muted small mb-0"))
    return section(choice.name, body, class_name=f"model-choice model-choice-{choice.model}")
