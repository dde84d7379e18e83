"""Builders for the data-quality page: column profiles with drift against the last batch, quarantined records
and flagged fields.

Rows come from :mod:`warehouse.quality_queries`; every builder accepts an empty list (no batch yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

NO_PROFILES = "No profiles yet — run the pipeline: each batch profiles every staged source."
NO_REJECTS = "No quarantined records."
NO_FLAGS = "No flagged fields."
NULL_SHIFT = 0.10  # a column whose share of nulls moves by this much since the last batch has drifted


def null_share(row: Mapping[str, Any]) -> float:
    rows = int(row["row_count"])
    return int(row["nulls"]) / rows if rows else 0.0


def drift(row: Mapping[str, Any]) -> str | None:
    """Why a column looks different from the last batch (nulls moved, its commonest shape changed), or None."""
    previous = row.get("previous")
    if not previous:
        return None
    reasons = []
    shift = null_share(row) - null_share(previous)
    if abs(shift) >= NULL_SHIFT:
        reasons.append(f"nulls {null_share(previous):.0%} → {null_share(row):.0%}")
    now, then = row.get("patterns") or [], previous.get("patterns") or []
    if now and then and now[0][0] != then[0][0]:
        reasons.append(f"commonest shape {then[0][0]!r} → {now[0][0]!r}")
    return "; ".join(reasons) or None


def _shapes(patterns: Sequence[Sequence[Any]]) -> str:
    return ", ".join(f"{shape} ({count:,})" for shape, count in patterns)


def profile_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """One row per source, table and column; drifted columns first and marked.

    Columns a source never fills (all nulls, now and before) are left out and counted in a footnote.
    """
    if not rows:
        return html.Div(html.P(NO_PROFILES, className="text-muted mb-0"), id=table_id)
    shown = [r for r in rows if int(r["nulls"]) < int(r["row_count"]) or drift(r)]
    ordered = sorted(shown, key=lambda r: (drift(r) is None, r["source"], r["table_name"], r["column_name"]))
    head = html.Thead(
        html.Tr(
            [
                html.Th("Source"),
                html.Th("Table", className="d-none d-md-table-cell"),
                html.Th("Column"),
                html.Th("Rows", className="text-end"),
                html.Th("Nulls", className="text-end"),
                html.Th("Distinct", className="text-end d-none d-sm-table-cell"),
                html.Th("Min", className="d-none d-lg-table-cell"),
                html.Th("Max", className="d-none d-lg-table-cell"),
                html.Th("Common shapes", className="d-none d-md-table-cell"),
                html.Th("Since last batch"),
            ]
        )
    )
    body = []
    for r in ordered:
        why = drift(r)
        body.append(
            html.Tr(
                [
                    html.Td(r["source"]),
                    html.Td(r["table_name"], className="d-none d-md-table-cell"),
                    html.Td(r["column_name"]),
                    html.Td(f"{int(r['row_count']):,}", className="text-end"),
                    html.Td(f"{null_share(r):.0%}", className="text-end"),
                    html.Td(f"{int(r['distinct_values']):,}", className="text-end d-none d-sm-table-cell"),
                    html.Td(r["min_value"] or "", className="d-none d-lg-table-cell"),
                    html.Td(r["max_value"] or "", className="d-none d-lg-table-cell"),
                    html.Td(_shapes(r.get("patterns") or []), className="d-none d-md-table-cell small"),
                    html.Td(why or "—", className="quality-drift" if why else "text-muted"),
                ]
            )
        )
    table = dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0")
    left_out = len(rows) - len(shown)
    note = html.P(
        f"{left_out} columns their source never fills are not shown.", className="text-muted small mt-2"
    )
    return html.Div([table, note] if left_out else table, id=table_id, className="table-responsive")


def rejects_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Quarantined records per source, entity and rule, with an example reason."""
    return _counts_table(rows, ("source", "entity", "rule"), table_id, NO_REJECTS)


def field_flags_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Fields staged empty (and left out of matching) because their value broke a rule, with an example;
    their records are staged, unlike quarantined ones."""
    return _counts_table(rows, ("source", "entity", "field", "rule"), table_id, NO_FLAGS)


def _counts_table(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str], table_id: str, empty: str
) -> html.Div:
    """Counted records per ``keys`` with an example; the example is hidden on phones."""
    if not rows:
        return html.Div(html.P(empty, className="text-muted mb-0"), id=table_id)
    head = html.Thead(
        html.Tr(
            [
                *(html.Th(k.capitalize()) for k in keys),
                html.Th("Records", className="text-end"),
                html.Th("Example", className="d-none d-md-table-cell"),
            ]
        )
    )
    body = [
        html.Tr(
            [
                *(html.Td(r[k]) for k in keys),
                html.Td(f"{int(r['records']):,}", className="text-end"),
                html.Td(r["example"], className="d-none d-md-table-cell small"),
            ]
        )
        for r in rows
    ]
    table = dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="analytics-table mb-0")
    return html.Div(table, id=table_id, className="table-responsive")


def drift_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line: how many columns were profiled and how many drifted since the last batch."""
    if not rows:
        return NO_PROFILES
    drifted = sum(1 for r in rows if drift(r))
    batch = rows[0]["batch_id"]
    compared = any(r.get("previous") for r in rows)
    tail = (
        f"{drifted} drifted since the batch before."
        if compared
        else "There is no earlier batch to compare with."
    )
    return f"Batch {batch}: {len(rows)} columns profiled across {len({r['source'] for r in rows})} sources. {tail}"
